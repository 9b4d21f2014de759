import Glibc
import HousekeeperPlugin
import InMemoryLogging
import Logging
import Testing
@testable import PluginHost

/// A Swift task exported with `PluginExport`, driven in-process through the host's own handshake and calls.
@Suite struct PluginExportTests {
    /// Echoes its config into the output, or fails as told.
    struct Probe: HousekeeperTask {
        static let name = "probe"
        static let version = "0.0.1"
        static let summary = "in-process probe"
        let word: String
        init(config: PluginConfig, context: CreateContext) throws(PluginError) {
            try config.allowOnly(["word"])
            word = try config.requiredString("word")
            context.log("created for \(context.taskName)", level: .debug)
        }
        func run(_ context: RunContext) throws(PluginError) {
            if word == "fail" { throw PluginError(.permanent, "word: fail means fail") }
            context.progress(nil, message: "thinking")
            context.setOutput(.object(["word": .string(word), "attempt": .number(Double(context.attempt))]))
        }
    }

    private static let export = PluginExport(Probe.self)

    private func loaded() throws -> LoadedPlugin {
        let raw = try #require(Self.export.entry(hostVersion: HousekeeperABI.packedVersion))
        let descriptor = try PluginHandshake.validate(raw).get()
        return LoadedPlugin(descriptor: descriptor, sourcePath: "probe.so", cachedPath: "probe.so", sha256: "",
                            fileInfo: FileInfo(stat()))
    }

    @Test func theEntryRefusesAnotherMajorOrAnOlderMinorAndReturnsOneDescriptor() throws {
        #expect(Self.export.entry(hostVersion: 2 << 16) == nil)
        #expect(Self.export.entry(hostVersion: 0) == nil)
        let first = try #require(Self.export.entry(hostVersion: 1 << 16))
        #expect(Self.export.entry(hostVersion: 1 << 16 | 9) == first)
    }

    @Test func theDescriptorPassesTheHostsHandshake() throws {
        let plugin = try loaded()
        #expect(plugin.name == "probe" && plugin.version == "0.0.1" && plugin.summary == "in-process probe")
        #expect(plugin.abiFingerprint == HousekeeperABI.swiftFingerprint)
        #expect(plugin.stopsCooperatively && !plugin.allowsConcurrentRuns)
    }

    @Test func createAndRunGoThroughTheKit() throws {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in handler })
        logger.logLevel = .trace
        let instance = try loaded().makeInstance(taskName: "t1", configJSON: #"{"word": "hi"}"#,
                                                 stateDirectory: "/tmp", logger: logger).get()
        defer { instance.destroy() }
        let control = RunControl()
        let request = RunRequest(taskName: "t1", runID: 1, scheduledAt: 0, startedAt: 0, attempt: 3, trigger: .retry)
        let result = instance.run(request, control: control, logger: logger)
        #expect(result == RunResult(status: .ok, message: "", output: #"{"attempt": 3, "word": "hi"}"#))
        #expect(control.progress == RunProgress(fraction: nil, message: "thinking"))
        #expect(handler.entries.map(\.message.description) == ["created for t1"])
        #expect(handler.entries.first?.level == .debug)
    }

    @Test func kitErrorsBecomeStatusesAndMessages() throws {
        let plugin = try loaded()
        #expect(throws: PluginFailure(status: .configError, message: "word: required key is missing")) {
            try plugin.makeInstance(taskName: "t", configJSON: "{}", stateDirectory: "/tmp", logger: .quiet).get()
        }
        let instance = try plugin.makeInstance(taskName: "t", configJSON: #"{"word": "fail"}"#, stateDirectory: "/tmp",
                                               logger: .quiet).get()
        defer { instance.destroy() }
        let request = RunRequest(taskName: "t", runID: 1, scheduledAt: 0, startedAt: 0, attempt: 1, trigger: .manual)
        #expect(instance.run(request, control: RunControl(), logger: .quiet)
                == RunResult(status: .permanent, message: "word: fail means fail", output: nil))
    }
}
