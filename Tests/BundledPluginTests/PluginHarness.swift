import Foundation
import Logging
import Synchronization
@testable import PluginHost

/// Loads one bundled plugin `.so` from the build products through the real `PluginLoader` (permission check,
/// private copy, dlopen, handshake) and drives instances of it. Its temporary directory is removed in `deinit`.
final class PluginHarness {
    /// The directory holding the test bundle and the products built with it (`libFilesPlugin.so`...).
    static let productsDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().path

    /// A scratch directory for the test's files (mode 0755, traversable by everyone).
    let scratch: String
    /// The loaded plugin (the first one, when several were loaded).
    let plugin: LoadedPlugin
    /// Every loaded plugin by name.
    let plugins: [String: LoadedPlugin]
    private let root: String

    /// Installs and loads `library` (e.g. `libFilesPlugin.so`) and checks it is named `name`.
    convenience init(_ library: String, name: String) throws {
        try self.init([(library, name)])
    }

    /// Installs and loads several libraries, each checked to be named as given.
    init(_ libraries: [(library: String, name: String)]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-bundled-\(UUID().uuidString)").path
        scratch = root + "/scratch"
        let pluginDirectory = root + "/plugins"
        for directory in [root, pluginDirectory, scratch] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        }
        for (library, _) in libraries {
            let installed = pluginDirectory + "/" + library
            try FileManager.default.copyItem(atPath: Self.productsDirectory + "/" + library, toPath: installed)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: installed)
        }
        let options = PluginLoaderOptions(directory: pluginDirectory, cacheDirectory: root + "/state/plugin-cache",
                                          allowInsecure: false)
        let catalog = PluginLoader(options: options, logger: .quiet).load()
        for (library, name) in libraries where catalog.plugins[name] == nil {
            throw HarnessError("\(library) did not load as \(name): \(catalog.rejected)")
        }
        plugin = catalog.plugins[libraries[0].name]!
        self.plugins = catalog.plugins
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Creates an instance for a task named `task` with `config` (a JSON object text).
    func instance(_ config: String, task: String = "maintenance", logger: Logger = .quiet) throws -> PluginInstance {
        try plugin.makeInstance(taskName: task, configJSON: config, stateDirectory: scratch, logger: logger).get()
    }

    /// The failure `create` reports for `config`, or `nil` when it accepted it.
    func createFailure(_ config: String) -> PluginFailure? {
        switch plugin.makeInstance(taskName: "t", configJSON: config, stateDirectory: scratch, logger: .quiet) {
        case .success(let instance):
            instance.destroy()
            return nil
        case .failure(let failure):
            return failure
        }
    }

    /// Runs a fresh instance once and destroys it.
    func runOnce(_ config: String, request: RunRequest = PluginHarness.request(), control: RunControl = RunControl(),
                 logger: Logger = .quiet) throws -> RunResult {
        let instance = try instance(config, logger: logger)
        defer { instance.destroy() }
        return instance.run(request, control: control, logger: logger)
    }

    /// A run request; `startedAt` is the "now" retention plugins measure ages from.
    static func request(task: String = "maintenance", runID: Int64 = 42,
                        scheduledAt: Int64 = 1_795_437_000_000_000, startedAt: Int64 = 1_795_437_000_250_000,
                        contextJSON: String = "{}") -> RunRequest {
        RunRequest(taskName: task, runID: runID, scheduledAt: scheduledAt, startedAt: startedAt, attempt: 1,
                   trigger: .schedule, contextJSON: contextJSON)
    }

    /// Runs `body` on a new thread and waits for it: for runs that must happen under another identity or while
    /// the test thread does something else.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let box = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let value = body()
            box.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return box.withLock { $0! }
    }
}

/// A harness setup failure.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Logger {
    /// A logger that drops everything.
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A logger that signals `semaphore` each time a message starting with `prefix` is logged.
    static func signalling(_ prefix: String, _ semaphore: DispatchSemaphore) -> Logger {
        var logger = Logger(label: "test", factory: { _ in SignalOnLog(prefix: prefix, semaphore: semaphore) })
        logger.logLevel = .trace
        return logger
    }
}

/// A log handler that signals a semaphore when a message with a given prefix is logged.
struct SignalOnLog: LogHandler {
    let prefix: String
    let semaphore: DispatchSemaphore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    func log(event: LogEvent) {
        if event.message.description.hasPrefix(prefix) { semaphore.signal() }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}

/// The run's output parsed as a JSON object, for checking single fields.
func outputObject(_ result: RunResult) throws -> [String: Any] {
    let data = Data((result.output ?? "").utf8)
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw HarnessError("output is not a JSON object: \(result.output ?? "nil")")
    }
    return object
}
