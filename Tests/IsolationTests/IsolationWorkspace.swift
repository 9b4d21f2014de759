import Config
import Logging
import Foundation
import Isolation
import Logging
import PluginHost
import Synchronization

/// A temporary folder for one test, the fixture plugins it compiles with `cc`, and the `housekeeper` binary
/// that serves as worker and probe. Removed when the test ends.
final class IsolationWorkspace {
    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// The folder of the test bundle, where SwiftPM also puts the `housekeeper` executable.
    static let productsDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().path
    /// The real daemon binary; its hidden `worker` and `probe` subcommands are what these tests drive.
    static let housekeeper = productsDirectory + "/housekeeper"

    /// The folder.
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-isolation-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Compiles the crash fixture with `-DFX_<mode>` (no mode: the well-behaved variant) into `<root>/<name>`.
    @discardableResult
    func buildFixture(_ name: String, mode: String? = nil, defines: [String] = []) throws -> String {
        let sourcePath = root + "/\(name).c"
        let output = root + "/\(name)"
        try CrashFixtureSource.plugin.write(toFile: sourcePath, atomically: false, encoding: .utf8)
        let flags = (mode.map { ["-DFX_\($0)"] } ?? []) + defines
        try Self.run("/usr/bin/cc", ["-std=c99", "-Wall", "-Wextra", "-shared", "-fPIC",
                                     "-I", Self.repositoryRoot + "/Sources/PluginABI/include"]
                     + flags + ["-o", output + ".tmp", sourcePath])
        try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.moveItem(atPath: output + ".tmp", toPath: output)
        return output
    }

    /// A job for the fixture at `path`.
    func job(_ path: String, config: String = "{}", limits: ResourceLimits = ResourceLimits(),
             environment: [String: String] = [:], workingDirectory: String? = nil,
             timeoutGrace: Duration = .seconds(10), runs: Bool = true) -> WorkerJob {
        WorkerJob(
            pluginPath: path, sourcePath: path, pluginName: "crashy", taskName: "fixture-task", configJSON: config,
            stateDirectory: root + "/state",
            request: runs ? RunRequest(taskName: "fixture-task", runID: 42, scheduledAt: 1_000_000, startedAt: 1_000_001,
                                       attempt: 1, trigger: .manual) : nil,
            limits: limits, environment: environment, workingDirectory: workingDirectory, timeoutGrace: timeoutGrace)
    }

    /// The executor, spawning the real `housekeeper worker`.
    static var executor: WorkerProcessExecutor {
        WorkerProcessExecutor(executable: housekeeper, arguments: ["worker"])
    }

    /// Runs `job` through the real worker on a thread of its own (never blocking the test's cooperative thread).
    static func execute(_ job: WorkerJob, control: RunControl = RunControl(), logger: Logger = .quiet) async
        -> WorkerReport {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: executor.execute(job, control: control, logger: logger)) }.start()
        }
    }

    /// Runs a blocking call on a thread of its own.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    /// Runs a program to completion.
    static func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureBuildFailure(output: String(decoding: output, as: UTF8.self))
        }
    }
}

/// `cc` failed.
struct FixtureBuildFailure: Error, CustomStringConvertible {
    var output: String
    var description: String { "cc failed:\n\(output)" }
}

/// A log handler that records every line and calls `onLog` with it (to react to a line without waiting).
struct RecordingLogHandler: LogHandler {
    /// The recorded lines, shared by every copy.
    final class Store: Sendable {
        private let lines = Mutex<[(Logger.Level, String)]>([])
        let onLog: @Sendable (String) -> Void

        init(onLog: @escaping @Sendable (String) -> Void) {
            self.onLog = onLog
        }

        func add(_ level: Logger.Level, _ message: String) {
            lines.withLock { $0.append((level, message)) }
            onLog(message)
        }

        /// The messages so far.
        var messages: [String] { lines.withLock { $0.map(\.1) } }
        /// The messages with their levels.
        var entries: [(Logger.Level, String)] { lines.withLock { $0 } }
    }

    let store: Store
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    func log(event: LogEvent) {
        store.add(event.level, event.message.description)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// A logger writing into a new store.
    static func logger(onLog: @escaping @Sendable (String) -> Void = { _ in }) -> (Logger, Store) {
        let store = Store(onLog: onLog)
        return (Logger(label: "test") { _ in RecordingLogHandler(store: store) }, store)
    }
}

extension Logger {
    /// A logger that drops everything.
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}
