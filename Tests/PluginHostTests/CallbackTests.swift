import InMemoryLogging
import Logging
import Testing
@testable import PluginHost

/// The host callbacks a plugin calls during `create` and `run` reach the Logger and the RunControl.
@Suite struct CallbackTests {
    private static let request = RunRequest(taskName: "nightly", runID: 7, scheduledAt: 0, startedAt: 0,
                                            attempt: 1, trigger: .manual)

    private func fixture(_ workspace: TestWorkspace) throws -> LoadedPlugin {
        try workspace.buildPlugin("fixture.so")
        return try #require(workspace.load().plugins["fixture"])
    }

    @Test func logLinesCarryTaskRunAndPluginMetadataFromAnyThread() throws {
        let workspace = try TestWorkspace()
        let plugin = try fixture(workspace)
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in handler })
        logger.logLevel = .trace
        let instance = try plugin.makeInstance(taskName: "nightly", configJSON: "{}", stateDirectory: "/tmp",
                                               logger: logger).get()
        defer { instance.destroy() }
        #expect(instance.run(Self.request, control: RunControl(), logger: logger).status == .ok)

        let lines = handler.entries.map { ($0.level, $0.message.description) }
        #expect(lines.map(\.1) == ["creating", "running", "from another thread"])
        #expect(lines.map(\.0) == [.info, .warning, .notice])
        let create = handler.entries[0].metadata
        #expect(create["task.name"] == "nightly" && create["plugin.name"] == "fixture" && create["run.id"] == nil)
        for entry in handler.entries.dropFirst() {
            #expect(entry.metadata["task.name"] == "nightly")
            #expect(entry.metadata["run.id"] == "7")
            #expect(entry.metadata["plugin.name"] == "fixture")
        }
    }

    @Test func progressAndOutputReachTheRunControl() throws {
        let workspace = try TestWorkspace()
        let instance = try fixture(workspace).makeInstance(taskName: "t", configJSON: "{}", stateDirectory: "/tmp",
                                                           logger: Logger.quiet).get()
        defer { instance.destroy() }
        let control = RunControl()
        let result = instance.run(Self.request, control: control, logger: Logger.quiet)
        #expect(control.progress == RunProgress(fraction: 0.5, message: "half way"))
        #expect(control.output == #"{"ok": true}"#)
        #expect(result.output == control.output && !control.outputWasTruncated)
    }

    @Test func hugeOutputIsCutToTheLimitAndNoted() throws {
        let workspace = try TestWorkspace()
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "test", factory: { _ in handler })
        let instance = try fixture(workspace).makeInstance(taskName: "t", configJSON: #"{"huge": true}"#,
                                                           stateDirectory: "/tmp", logger: logger).get()
        defer { instance.destroy() }
        let control = RunControl()
        _ = instance.run(Self.request, control: control, logger: logger)
        #expect(control.output?.utf8.count == RunControl.outputLimit)
        #expect(control.outputWasTruncated)
        #expect(handler.entries.contains { $0.message.description == "plugin.output.truncated" })
    }

    @Test func aFailedRunReturnsThePluginsStatusAndMessage() throws {
        let workspace = try TestWorkspace()
        let instance = try fixture(workspace).makeInstance(taskName: "t", configJSON: "{}", stateDirectory: "/tmp",
                                                           logger: Logger.quiet).get()
        defer { instance.destroy() }
        var request = Self.request
        request.attempt = 2
        let result = instance.run(request, control: RunControl(), logger: Logger.quiet)
        #expect(result.status == .retryable)
        #expect(result.message == "second attempts always fail")
    }

    @Test func createFailureCarriesThePluginsStatusAndMessage() throws {
        let workspace = try TestWorkspace()
        let result = try fixture(workspace).makeInstance(taskName: "t", configJSON: #"{"bad": 1}"#,
                                                         stateDirectory: "/tmp", logger: Logger.quiet)
        #expect(throws: PluginFailure(status: .configError, message: "bad: this key is not allowed")) { try result.get() }
    }

    @Test func destroyRunsOnceAndARunAfterItFails() throws {
        let workspace = try TestWorkspace()
        let instance = try fixture(workspace).makeInstance(taskName: "t", configJSON: "{}", stateDirectory: "/tmp",
                                                           logger: Logger.quiet).get()
        instance.destroy()
        instance.destroy()  // a second call must not free the plugin's instance twice
        #expect(instance.isDestroyed)
        #expect(instance.run(Self.request, control: RunControl(), logger: Logger.quiet).status == .error)
    }

    @Test func requestStopIsStickyAndVisible() {
        let control = RunControl()
        #expect(!control.isStopRequested)
        control.requestStop()
        control.requestStop()
        #expect(control.isStopRequested)
    }
}
