import Foundation
import Testing

/// A temporary installation of housekeeper: a folder with a config file, a plugin directory and a state folder,
/// driven through the real `housekeeper` binary built next to this test bundle.
struct Sandbox: ~Copyable {
    let root: URL
    var plugins: URL { root.appendingPathComponent("plugins") }
    var configFile: URL { root.appendingPathComponent("config.yaml") }
    var database: URL { root.appendingPathComponent("var/housekeeper.sqlite") }

    /// The folder holding the test bundle, the `housekeeper` binary and the bundled plugin `.so` files.
    static let buildFolder: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
    }()

    /// The repository root (for the C header).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL { buildFolder.appendingPathComponent("housekeeper") }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hk-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        chmod(root.path, 0o755)
        chmod(plugins.path, 0o755)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// Copies a bundled plugin (e.g. `libStampPlugin.so`) into the plugin directory, mode 0755.
    func install(_ library: String) throws {
        let target = plugins.appendingPathComponent(library)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: Self.buildFolder.appendingPathComponent(library), to: target)
        chmod(target.path, 0o755)
    }

    /// Compiles a C plugin from source into the plugin directory.
    func compile(_ name: String, source: String) throws {
        let file = root.appendingPathComponent("\(name).c")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let include = Self.repository.appendingPathComponent("Sources/PluginABI/include").path
        let output = plugins.appendingPathComponent("lib\(name).so").path
        let result = try Self.execute(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["cc", "-std=c99", "-shared", "-fPIC", "-I", include, "-o", output, file.path])
        #expect(result.status == 0, "cc failed: \(result.stderr)")
        chmod(output, 0o755)
    }

    /// Writes the config file; `body` is the YAML after the standard global keys. Unless `body` has an `api:`
    /// section the admin API is disabled (at the end, so line numbers in `body` stay put), so daemons of tests
    /// running in parallel do not compete for its default port.
    func writeConfig(_ body: String, grace: String = "10s") throws {
        let api = body.contains("api:") ? "" : "\napi:\n  enabled: false\n"
        let text = """
            plugins:
              directory: plugins
            state:
              database: var/housekeeper.sqlite
            shutdown:
              grace_period: \(grace)
            \(body)\(api)
            """
        try text.write(to: configFile, atomically: true, encoding: .utf8)
    }

    /// A path inside the sandbox.
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Runs a `housekeeper` subcommand to completion.
    func cli(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try Self.execute(Self.binary, arguments, in: root)
    }

    /// Runs history --json and decodes the rows.
    func history(task: String? = nil) throws -> [[String: Any]] {
        // --database, so history stays readable while a test has broken the configuration on purpose.
        var arguments = ["history", "--database", database.path, "--json", "--limit", "1000"]
        if let task { arguments += ["--task", task] }
        let result = try cli(arguments)
        return result.stdout.split(separator: "\n").compactMap { line in
            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// Starts the daemon in the background.
    func start(_ extra: [String] = []) throws -> DaemonProcess {
        try DaemonProcess(arguments: ["run", "--config", configFile.path] + extra, in: root)
    }

    static func execute(_ executable: URL, _ arguments: [String], in folder: URL? = nil) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// Waits for a condition by polling: returns as soon as it holds, fails the test after `timeout`.
/// (Polling for an outcome is not a timed assertion: the timeout only bounds a hang.)
func eventually(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () throws -> Bool
) async throws {
    try await eventually(what(), timeout: timeout, sourceLocation: sourceLocation, condition, refresh: {})
}
