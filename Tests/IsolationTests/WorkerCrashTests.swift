import Config
import Logging
import Foundation
import Isolation
import PluginHost
import Testing

/// Plugins that crash or end their process, run through the real `housekeeper worker`: the test process (the
/// daemon's stand-in) survives each, and each yields the right completion with a useful reason.
@Suite(.serialized)
struct WorkerCrashTests {
    @Test func aSegfaultIsACrashNamingSIGSEGVWithTheLastLogLines() async throws {
        let workspace = try IsolationWorkspace()
        let report = await IsolationWorkspace.execute(workspace.job(try workspace.buildFixture("segv", mode: "SEGFAULT")))
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("SIGSEGV (segmentation fault)"))
        #expect(reason.contains("about to dereference NULL"))
        #expect(report.termination == .signaled(SIGSEGV))
        #expect(report.limitExceeded == nil)
    }

    @Test func abortIsACrashNamingSIGABRT() async throws {
        let workspace = try IsolationWorkspace()
        let report = await IsolationWorkspace.execute(workspace.job(try workspace.buildFixture("abort", mode: "ABORT")))
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("SIGABRT (aborted)"))
        #expect(reason.contains("about to abort"))
        #expect(report.termination == .signaled(SIGABRT))
    }

    @Test func aTrapInstructionAsSwiftEmitsForAForceUnwrapIsACrashNamingSIGILL() async throws {
        let workspace = try IsolationWorkspace()
        let report = await IsolationWorkspace.execute(workspace.job(try workspace.buildFixture("trap", mode: "TRAP")))
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("SIGILL (illegal instruction (a Swift runtime trap or fatalError))"))
        #expect(reason.contains("about to trap"))
    }

    @Test func exitInPluginCodeIsACrashWithTheExitCode() async throws {
        let workspace = try IsolationWorkspace()
        let report = await IsolationWorkspace.execute(workspace.job(try workspace.buildFixture("exit3", mode: "EXIT3")))
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("exit code 3: the plugin ended the worker process"))
        #expect(reason.contains("about to exit(3)"))
        #expect(report.termination == .exited(3))
    }

    @Test func aCrashInCreateIsACrash() async throws {
        let workspace = try IsolationWorkspace()
        let path = try workspace.buildFixture("create", mode: "CRASH_CREATE")
        let report = await IsolationWorkspace.execute(workspace.job(path))
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("SIGSEGV"))
        #expect(reason.contains("about to crash in create"))
    }

    @Test func garbageOnStdoutIsLoggedAndDoesNotDisturbTheRun() async throws {
        let workspace = try IsolationWorkspace()
        let (logger, store) = RecordingLogHandler.logger()
        let control = RunControl()
        let path = try workspace.buildFixture("garbage", mode: "GARBAGE_STDOUT")
        let report = await IsolationWorkspace.execute(workspace.job(path), control: control, logger: logger)
        #expect(report.completion == .returned(RunResult(status: .ok, message: "", output: "{\"garbage\": true}")))
        #expect(report.lastLogLines.contains("stdout: garbage line one"))
        #expect(report.lastLogLines.contains("stdout: complaint on stderr"))
        #expect(store.messages.contains("worker.stdout"))
    }

    @Test func garbageOnTheProtocolDescriptorIsABrokenProtocol() async throws {
        let workspace = try IsolationWorkspace()
        let path = try workspace.buildFixture("junk", mode: "GARBAGE_PROTOCOL")
        let report = await IsolationWorkspace.execute(workspace.job(path))
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("broken worker protocol: a frame of"))
        #expect(reason.contains("the worker exited with code 0"))
        #expect(reason.contains("writing junk to descriptor 3"))
    }

    @Test func theExecutorKeepsWorkingAfterAWorkerCrashed() async throws {
        let workspace = try IsolationWorkspace()
        let crash = await IsolationWorkspace.execute(workspace.job(try workspace.buildFixture("segv", mode: "SEGFAULT")))
        #expect(crash.crashed)
        let fine = await IsolationWorkspace.execute(workspace.job(try workspace.buildFixture("fine")))
        guard case .returned(let result) = fine.completion else {
            Issue.record("expected a result, got \(fine.completion)")
            return
        }
        #expect(result.status == .ok)
    }
}

/// Checking a `process` task's configuration runs `create` in a worker too.
@Suite(.serialized)
struct WorkerConfigCheckTests {
    @Test func aCrashInCreateDuringACheckIsAFailureNamingTheSignal() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("create", mode: "CRASH_CREATE"))
        let result = await IsolationWorkspace.blocking {
            IsolationWorkspace.executor.validateConfiguration(job, logger: .quiet)
        }
        guard case .failure(let failure) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(failure.status == .error)
        #expect(failure.message.hasPrefix("create crashed in the worker: SIGSEGV"))
    }

    @Test func aBadConfigDuringACheckIsThePluginsConfigError() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("fine"), config: "{\"bad\": true}")
        let result = await IsolationWorkspace.blocking {
            IsolationWorkspace.executor.validateConfiguration(job, logger: .quiet)
        }
        guard case .failure(let failure) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(failure.status == .configError)
        #expect(failure.message.contains("bad: this key is not allowed"))
    }

    @Test func aGoodConfigPassesTheCheck() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("fine"))
        let result = await IsolationWorkspace.blocking {
            IsolationWorkspace.executor.validateConfiguration(job, logger: .quiet)
        }
        #expect((try? result.get()) != nil)
    }
}

/// A worker executable that does not speak the protocol is reported as such.
@Suite(.serialized)
struct WrongWorkerExecutableTests {
    @Test func aProgramWithoutAWorkerModeIsACrashThatSaysSo() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("fine"))
        let executor = WorkerProcessExecutor(executable: "/bin/false", arguments: [])
        let report = await IsolationWorkspace.blocking {
            executor.execute(job, control: RunControl(), logger: .quiet)
        }
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("the worker exited with code 1 before speaking the protocol (is /bin/false"))
    }
}
