import Config
import Logging
import Foundation
import Isolation
import PluginHost
import Testing

/// A well-behaved plugin in a worker: what it reports reaches the daemon, and it gets exactly the environment
/// and working directory of its task.
@Suite(.serialized)
struct WorkerRunTests {
    @Test func logProgressOutputAndStatusAreRelayedToTheDaemon() async throws {
        let workspace = try IsolationWorkspace()
        let (logger, store) = RecordingLogHandler.logger()
        let control = RunControl()
        let report = await IsolationWorkspace.execute(
            workspace.job(try workspace.buildFixture("fine")), control: control, logger: logger)
        guard case .returned(let result) = report.completion else {
            Issue.record("expected a result, got \(report.completion)")
            return
        }
        #expect(result.status == .ok)
        #expect(result.output?.contains("\"attempt\": 1") == true)
        #expect(control.output == result.output)
        #expect(control.progress == RunProgress(fraction: 1.0, message: "done"))
        #expect(store.messages.contains("creating the instance"))
        #expect(store.messages.contains("run started"))
        #expect(store.messages.contains("run finished"))
        #expect(report.termination == .exited(0))
        #expect(report.escalation == .none)
    }

    @Test func theWorkerGetsACleanEnvironmentPlusTheTaskEnvAndWorkingDirectory() async throws {
        let workspace = try IsolationWorkspace()
        let folder = workspace.root + "/work"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        setenv("HOME", "/home/should-not-leak", 1)
        let job = workspace.job(try workspace.buildFixture("fine"), environment: ["HK_FIXTURE": "from env:"],
                                workingDirectory: folder)
        let report = await IsolationWorkspace.execute(job)
        guard case .returned(let result) = report.completion else {
            Issue.record("expected a result, got \(report.completion)")
            return
        }
        let resolved = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        #expect(result.output == "{\"env\": \"from env:\", \"home\": \"\", \"cwd\": \"\(resolved)\", \"attempt\": 1}")
    }

    @Test func aMissingWorkingDirectoryFailsTheRunWithoutStartingAWorker() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("fine"), workingDirectory: workspace.root + "/missing")
        let report = await IsolationWorkspace.execute(job)
        guard case .returned(let result) = report.completion else {
            Issue.record("expected a result, got \(report.completion)")
            return
        }
        #expect(result.status == .error)
        #expect(result.message.contains("cannot start the worker process"))
        #expect(result.message.contains("missing"))
        #expect(report.processID == 0)
    }

    @Test func aConfigErrorFromCreateIsReturnedWithThePluginsStatus() async throws {
        let workspace = try IsolationWorkspace()
        let report = await IsolationWorkspace.execute(
            workspace.job(try workspace.buildFixture("fine"), config: "{\"bad\": 1}"))
        #expect(report.completion == .returned(RunResult(
            status: .configError, message: "create failed in the worker: bad: this key is not allowed", output: nil)))
    }

    @Test func aCreateOnlyJobChecksTheConfigWithoutRunning() async throws {
        let workspace = try IsolationWorkspace()
        let (logger, store) = RecordingLogHandler.logger()
        let report = await IsolationWorkspace.execute(
            workspace.job(try workspace.buildFixture("fine"), runs: false), logger: logger)
        #expect(report.completion == .returned(RunResult(status: .ok, message: "", output: nil)))
        #expect(store.messages.contains("creating the instance"))
        #expect(!store.messages.contains("run started"))
    }
}

/// The worker outlives neither a stop requested before it started nor the daemon that spawned it.
@Suite(.serialized)
struct WorkerLifetimeTests {
    @Test func aRunStoppedBeforeItStartedSpawnsNoWorker() async throws {
        let workspace = try IsolationWorkspace()
        let control = RunControl()
        control.requestStop()
        let report = await IsolationWorkspace.execute(workspace.job(try workspace.buildFixture("fine")), control: control)
        #expect(report.completion == .returned(RunResult(status: .cancelled, message: "stopped before the worker started",
                                                         output: nil)))
        #expect(report.processID == 0)
    }
}
