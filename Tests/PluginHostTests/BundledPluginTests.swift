import Foundation
import Synchronization
import Logging
import Testing
@testable import PluginHost

/// The two bundled plugins, `stamp` (Swift) and `c-stamp` (C), loaded from the built `.so` files and run.
@Suite struct BundledPluginTests {
    /// Both plugins behave the same; every test runs against each.
    static let plugins = [("libStampPlugin.so", "stamp"), ("libCStampPlugin.so", "c-stamp")]

    private func instance(_ library: String, _ name: String, in workspace: TestWorkspace,
                          config: String, logger: Logger = Logger.quiet) throws -> PluginInstance {
        try workspace.installBundled(library)
        let catalog = workspace.load()
        #expect(catalog.rejected.isEmpty, "\(catalog.rejected)")
        let plugin = try #require(catalog.plugins[name])
        return try plugin.makeInstance(taskName: "backup", configJSON: config, stateDirectory: workspace.scratch,
                                       logger: logger).get()
    }

    private static let request = RunRequest(taskName: "backup", runID: 42, scheduledAt: 1_795_437_000_123_456,
                                            startedAt: 1_795_437_000_200_000, attempt: 2, trigger: .catchUp)

    @Test(arguments: plugins)
    func aRunAppendsOneLineAndSetsTheOutput(library: String, name: String) throws {
        let workspace = try TestWorkspace()
        let file = workspace.scratch + "/stamps.txt"
        let instance = try self.instance(library, name, in: workspace,
                                         config: #"{"file": "\#(file)", "message": "hi \"there\""}"#)
        defer { instance.destroy() }
        let control = RunControl()
        let result = instance.run(Self.request, control: control, logger: Logger.quiet)
        let line = #"2026-11-23T12:30:00.123456Z backup catch-up attempt=2 hi "there""#
        #expect(result == RunResult(status: .ok, message: "", output: #"{"file": "\#(file)", "line": "2026-11-23T12:30:00.123456Z backup catch-up attempt=2 hi \"there\""}"#))
        _ = instance.run(Self.request, control: RunControl(), logger: Logger.quiet)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == line + "\n" + line + "\n")
        #expect(control.output == result.output)
    }

    @Test(arguments: plugins)
    func failConfigFailsTheRunWithTheConfiguredStatus(library: String, name: String) throws {
        let workspace = try TestWorkspace()
        let file = workspace.scratch + "/stamps.txt"
        let failing = try instance(library, name, in: workspace, config: #"{"file": "\#(file)", "fail": true}"#)
        let result = failing.run(Self.request, control: RunControl(), logger: Logger.quiet)
        #expect(result.status == .error)
        #expect(result.message == "failing as configured")
        #expect(!FileManager.default.fileExists(atPath: file))
        let plugin = failing.plugin
        failing.destroy()
        let retryable = try plugin.makeInstance(
            taskName: "backup", configJSON: #"{"file": "\#(file)", "fail": true, "fail_status": "retryable"}"#,
            stateDirectory: "/tmp", logger: Logger.quiet).get()
        #expect(retryable.run(Self.request, control: RunControl(), logger: Logger.quiet).status == .retryable)
        retryable.destroy()
    }

    @Test(arguments: plugins)
    func requestStopFromAnotherThreadCancelsASleepingRun(library: String, name: String) throws {
        let workspace = try TestWorkspace()
        let sleeping = DispatchSemaphore(value: 0)
        let logger = Logger(label: "test", factory: { _ in SignallingLogHandler(signal: "sleeping", semaphore: sleeping) })
        let file = workspace.scratch + "/stamps.txt"
        let instance = try self.instance(library, name, in: workspace, config: #"{"file": "\#(file)", "sleep": 30}"#)
        defer { instance.destroy() }
        let control = RunControl()
        let finished = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Thread.detachNewThread {
            box.set(instance.run(Self.request, control: control, logger: logger))
            finished.signal()
        }
        sleeping.wait()  // the plugin logged "sleeping": it is inside its sleep loop
        control.requestStop()
        finished.wait()
        #expect(box.get()?.status == .cancelled)
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test(arguments: plugins)
    func badConfigFailsCreateWithThePluginsMessageNamingTheKey(library: String, name: String) throws {
        let workspace = try TestWorkspace()
        try workspace.installBundled(library)
        let plugin = try #require(workspace.load().plugins[name])
        let cases = [
            (#"{"message": "x"}"#, "file:"),
            (#"{"file": 3}"#, "file:"),
            (#"{"file": "/tmp/x", "colour": "red"}"#, "colour:"),
            (#"{"file": "/tmp/x", "fail": "yes"}"#, "fail:"),
            (#"{"file": "/tmp/x", "sleep": "long"}"#, "sleep:"),
            (#"{"file": "/tmp/x", "fail_status": "sometimes"}"#, "fail_status:"),
            (#"{"file": "/tmp/x""#, "config:"),
        ]
        for (config, prefix) in cases {
            let result = plugin.makeInstance(taskName: "t", configJSON: config, stateDirectory: "/tmp",
                                             logger: Logger.quiet)
            guard case .failure(let failure) = result else {
                Issue.record("\(name) accepted \(config)")
                continue
            }
            #expect(failure.status == .configError, "\(config)")
            #expect(failure.message.hasPrefix(prefix), "\(name): \(config) gave \(failure.message)")
        }
    }

    @Test func bothBundledPluginsDescribeThemselves() throws {
        let workspace = try TestWorkspace()
        try workspace.installBundled("libStampPlugin.so")
        try workspace.installBundled("libCStampPlugin.so")
        let catalog = workspace.load()
        #expect(catalog.rejected.isEmpty, "\(catalog.rejected)")
        let stamp = try #require(catalog.plugins["stamp"])
        let cStamp = try #require(catalog.plugins["c-stamp"])
        #expect(stamp.abiFingerprint.hasPrefix("hk-abi-1;swift-"))
        #expect(cStamp.abiFingerprint == "hk-abi-1;c")
        #expect(stamp.abiVersion == 1 << 16 && cStamp.abiVersion == 1 << 16)
        #expect(!stamp.allowsConcurrentRuns && stamp.stopsCooperatively && cStamp.stopsCooperatively)
        #expect(stamp.cachedPath.hasPrefix(workspace.cache + "/libStampPlugin-" + stamp.sha256))
    }
}

/// A log handler that signals a semaphore when a given message is logged.
struct SignallingLogHandler: LogHandler {
    let signal: String
    let semaphore: DispatchSemaphore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    func log(event: LogEvent) {
        if event.message.description == signal { semaphore.signal() }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}

/// A result handed from a worker thread to the test.
final class ResultBox: Sendable {
    private let value = Mutex<RunResult?>(nil)
    func set(_ result: RunResult) { value.withLock { $0 = result } }
    func get() -> RunResult? { value.withLock { $0 } }
}
