import Config
import Logging
import Foundation
import Isolation
import PluginHost
import Testing

/// Hard stops and resource limits: SIGTERM becomes should_stop, SIGKILL follows after the grace, and a limit
/// the worker runs into is named in the reason.
@Suite(.serialized)
struct WorkerStopAndLimitTests {
    /// A logger that raises the stop flag as soon as the plugin says it is looping (no waiting in the test).
    static func stopWhenLooping(_ control: RunControl) -> (Logger, RecordingLogHandler.Store) {
        RecordingLogHandler.logger { message in
            if message == "looping" { control.requestStop() }
        }
    }

    /// Runs the fixture `mode` in a worker and asks it to stop as soon as it says it is looping.
    static func stoppedRun(_ name: String, mode: String, timeoutGrace: Duration) async throws -> WorkerReport {
        let workspace = try IsolationWorkspace()
        let control = RunControl()
        let (logger, _) = stopWhenLooping(control)
        let job = workspace.job(try workspace.buildFixture(name, mode: mode), timeoutGrace: timeoutGrace)
        return await IsolationWorkspace.execute(job, control: control, logger: logger)
    }

    @Test func aPluginIgnoringShouldStopIsKilledWithSIGKILLAfterTheGrace() async throws {
        let report = try await Self.stoppedRun("loop", mode: "LOOP", timeoutGrace: .milliseconds(200))
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("the worker ignored the stop request and was killed with SIGKILL after timeout_grace"))
        #expect(report.escalation == .killed)
        #expect(report.termination == .signaled(SIGKILL))
    }

    @Test func aCooperativePluginSeesShouldStopOnSIGTERMAndReturnsCancelled() async throws {
        // A grace far longer than the test may take: only SIGTERM can end this run in time.
        let report = try await Self.stoppedRun("coop", mode: "COOPERATIVE", timeoutGrace: .seconds(600))
        #expect(report.completion == .returned(RunResult(status: .cancelled, message: "stopped on request", output: nil)))
        #expect(report.escalation == .terminated)
        #expect(report.termination == .exited(0))
    }

    @Test func aWorkerEndedByTheStopRequestsSIGTERMIsACancelledRunNotACrash() async throws {
        let report = try await Self.stoppedRun("term", mode: "DIE_ON_SIGTERM", timeoutGrace: .seconds(600))
        guard case .returned(let result) = report.completion else {
            Issue.record("the worker ended because it was asked to stop: not a crash, got \(report.completion)")
            return
        }
        #expect(result.status == .cancelled)
        #expect(result.message.hasPrefix("stopped on request: the worker ended on SIGTERM"), "\(result.message)")
        #expect(report.escalation == .terminated)
        #expect(report.termination == .signaled(SIGTERM))
    }

    @Test func allocatingPastTheMemoryLimitIsReportedAsSuch() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("memory", mode: "MEMORY"),
                                limits: ResourceLimits(memoryBytes: 64 << 20))
        let report = await IsolationWorkspace.execute(job)
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        // The fixture's own NULL dereference is SIGSEGV; under memory pressure from parallel tests the worker's
        // runtime can hit the limit first and die of another signal (seen once in ~10 full runs). Either way the
        // report must say it was the memory limit. (The last log lines are checked by the segfault tests.)
        #expect(reason.hasPrefix("memory limit exceeded (limits.memory 64 MiB): the worker died of SIG"), "\(reason)")
        #expect(report.limitExceeded == .memory)
    }

    @Test func aTightMemoryLimitBoundsThePluginsWorkNotTheLoadingOfItsFile() async throws {
        // The limit is applied once the plugin's file is mapped: before, a limit smaller than the file's image (or
        // a thread reserving a malloc arena under load) made dlopen fail with "failed to map segment from shared
        // object". The fixture's file maps 8 MiB; the limit is 1 MiB.
        let workspace = try IsolationWorkspace()
        let plugin = try workspace.buildFixture("big", defines: ["-DFX_BIG_IMAGE"])
        let job = workspace.job(plugin, limits: ResourceLimits(memoryBytes: 1 << 20))
        let report = await IsolationWorkspace.execute(job)
        guard case .returned(let result) = report.completion else {
            Issue.record("expected the run to return, got \(report.completion)")
            return
        }
        #expect(result.status == .ok, "\(result.message)")
        #expect(report.limitExceeded == nil)
    }

    @Test func burningPastTheCPULimitIsReportedAsSuch() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("spin", mode: "SPIN"), limits: ResourceLimits(cpuSeconds: 1))
        let report = await IsolationWorkspace.execute(job)
        guard case .crashed(let reason, _) = report.completion else {
            Issue.record("expected a crash, got \(report.completion)")
            return
        }
        #expect(reason.hasPrefix("CPU limit exceeded (limits.cpu_seconds 1): the worker was stopped by SIGXCPU"))
        #expect(report.limitExceeded == .cpuSeconds)
        #expect(report.cpuMicroseconds >= 500_000)  // it burned CPU until stopped (kernel accounting is coarse)
    }

    @Test func runningOutOfDescriptorsUnderTheOpenFilesLimitIsReportedAsSuch() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("files", mode: "FILES"), limits: ResourceLimits(openFiles: 32))
        let report = await IsolationWorkspace.execute(job)
        guard case .returned(let result) = report.completion else {
            Issue.record("expected a result, got \(report.completion)")
            return
        }
        #expect(result.status == .error)
        #expect(result.message.hasPrefix("fopen: Too many open files (the open-files limit was reached: "
            + "limits.open_files 32"))
        #expect(report.limitExceeded == .openFiles)
    }
}
