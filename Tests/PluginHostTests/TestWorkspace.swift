import Foundation
import Logging
@testable import PluginHost

/// A temporary plugin directory and cache for one test, plus helpers to build fixture plugins with `cc`.
/// Removed when the test ends (`deinit`).
final class TestWorkspace {
    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// The directory holding the test bundle and the products built with it (`libStampPlugin.so`...).
    static let productsDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().path

    /// The root of the workspace.
    let root: String
    /// The plugin directory (mode 0755).
    let plugins: String
    /// The cache directory (created by the loader).
    let cache: String
    /// Where C sources and build outputs go.
    let scratch: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-plugins-\(UUID().uuidString)").path
        plugins = root + "/plugins"
        cache = root + "/state/plugin-cache"
        scratch = root + "/scratch"
        for directory in [root, plugins, scratch] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try chmod(directory, 0o755)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Loader options for this workspace.
    func options(allowInsecure: Bool = false) -> PluginLoaderOptions {
        PluginLoaderOptions(directory: plugins, cacheDirectory: cache, allowInsecure: allowInsecure)
    }

    /// Loads the plugin directory.
    func load(previous: PluginCatalog? = nil, allowInsecure: Bool = false) -> PluginCatalog {
        PluginLoader(options: options(allowInsecure: allowInsecure), logger: .quiet).load(previous: previous)
    }

    /// Sets a file's mode.
    func chmod(_ path: String, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// Writes a text file into the plugin directory (mode 0755).
    @discardableResult
    func writePluginFile(_ name: String, text: String) throws -> String {
        let path = plugins + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try chmod(path, 0o755)
        return path
    }

    /// Copies a bundled plugin (`libStampPlugin.so`, ...) from the products directory into the plugin directory.
    @discardableResult
    func installBundled(_ library: String, as name: String? = nil) throws -> String {
        let path = plugins + "/" + (name ?? library)
        try FileManager.default.copyItem(atPath: Self.productsDirectory + "/" + library, toPath: path)
        try chmod(path, 0o755)
        return path
    }

    /// Compiles `source` (C) into `<plugins>/<name>` with the plugin ABI header, replacing any file there.
    @discardableResult
    func buildPlugin(_ name: String, source: String = FixtureSource.plugin, defines: [String] = []) throws -> String {
        let sourcePath = scratch + "/\(name).c"
        let output = scratch + "/\(name)"
        try source.write(toFile: sourcePath, atomically: false, encoding: .utf8)
        try Self.run("/usr/bin/cc", ["-std=c99", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                                     "-I", Self.repositoryRoot + "/Sources/PluginABI/include"]
                     + defines + ["-o", output, sourcePath])
        let path = plugins + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: output, toPath: path)
        try chmod(path, 0o755)
        return path
    }

    /// Runs a program to completion.
    /// - Throws: `CommandFailure` with its output when it exits non-zero.
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
            throw CommandFailure(command: ([program] + arguments).joined(separator: " "),
                                 output: String(decoding: output, as: UTF8.self))
        }
    }
}

/// A command that exited non-zero, with what it printed.
struct CommandFailure: Error, CustomStringConvertible {
    /// The command line.
    var command: String
    /// Its output.
    var output: String
    /// Both.
    var description: String { "\(command) failed:\n\(output)" }
}

extension Logger {
    /// A logger that drops everything, for tests that do not look at logs.
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}
