import Config
import Logging
import Foundation
@testable import Isolation
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

/// A worker whose daemon vanished (its request socket closed) asks the run to stop and exits after the grace.
@Suite(.serialized)
struct OrphanedWorkerTests {
    @Test(.timeLimit(.minutes(1)))
    func aWorkerWhoseDaemonVanishedDuringARunExitsWithCode71() async throws {
        let workspace = try IsolationWorkspace()
        let job = workspace.job(try workspace.buildFixture("loop", mode: "LOOP"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: IsolationWorkspace.housekeeper)
        process.arguments = ["worker"]
        process.environment = ["SWIFT_BACKTRACE": "enable=no"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let request = WorkerRequest(job: job, orphanGrace: .milliseconds(100))
        input.fileHandleForWriting.write(Data(WorkerProtocol.frame(.request, request)))
        try input.fileHandleForWriting.close()  // the daemon is gone
        let status = await IsolationWorkspace.blocking {
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(status == 71)
    }
}
