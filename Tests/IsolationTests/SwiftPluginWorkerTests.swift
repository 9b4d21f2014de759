import Config
import Foundation
import Isolation
import Logging
import PluginHost
import Testing

/// The bundled Swift plugin (`libStampPlugin.so`, built by SwiftPM next to the tests) in a worker: the worker
/// loads the Swift runtime the plugin shares with the host, and a stop request reaches Swift code too.
@Suite(.serialized)
struct SwiftPluginWorkerTests {
    static let stamp = IsolationWorkspace.productsDirectory + "/libStampPlugin.so"

    static func job(_ workspace: IsolationWorkspace, config: String) -> WorkerJob {
        var job = workspace.job(stamp, config: config)
        job.pluginName = "stamp"
        return job
    }

    @Test func theSwiftStampPluginRunsInAWorker() async throws {
        let workspace = try IsolationWorkspace()
        let file = workspace.root + "/stamps.txt"
        let report = await IsolationWorkspace.execute(Self.job(workspace, config: "{\"file\": \"\(file)\"}"))
        guard case .returned(let result) = report.completion else {
            Issue.record("expected a result, got \(report.completion)")
            return
        }
        #expect(result.status == .ok)
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(written.contains("fixture-task manual attempt=1"))
        #expect(result.output?.contains("stamps.txt") == true)
    }

    @Test func aStopRequestReachesASwiftPluginInAWorker() async throws {
        let workspace = try IsolationWorkspace()
        let control = RunControl()
        let (logger, _) = RecordingLogHandler.logger { message in
            if message == "sleeping" { control.requestStop() }
        }
        var job = Self.job(workspace, config: "{\"file\": \"\(workspace.root)/s.txt\", \"sleep\": 600}")
        job.timeoutGrace = .seconds(600)  // only the cooperative stop can end this run in time
        let report = await IsolationWorkspace.execute(job, control: control, logger: logger)
        guard case .returned(let result) = report.completion else {
            Issue.record("expected a result, got \(report.completion)")
            return
        }
        #expect(result.status == .cancelled)
        #expect(report.escalation == .terminated)
    }
}
