import Foundation
import Testing

/// The real `housekeeper` binary: a plugin file that crashes while loading is reported, never fatal.
@Suite(.serialized)
struct HousekeeperCommandTests {
    @Test func pluginsListsACrashingFileAsRejectedInsteadOfCrashing() async throws {
        let workspace = try IsolationWorkspace()
        let plugins = workspace.root + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        for (name, mode, pluginName) in [("good.so", nil, "good"), ("entry.so", "CRASH_ENTRY", "entry")]
            as [(String, String?, String)] {
            let built = try workspace.buildFixture(name, mode: mode, defines: ["-DFX_NAME=\"\(pluginName)\""])
            try FileManager.default.moveItem(atPath: built, toPath: plugins + "/" + name)
        }
        let config = workspace.root + "/config.yaml"
        try "plugins:\n  directory: plugins\nstate:\n  database: var/hk.sqlite\n"
            .write(toFile: config, atomically: false, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: IsolationWorkspace.housekeeper)
        process.arguments = ["plugins", "--config", config, "--allow-insecure-plugins"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let (status, text) = await IsolationWorkspace.blocking {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(process.terminationReason == .exit)
        #expect(status == 0)
        #expect(text.contains("good"))
        #expect(text.contains("entry.so: the probe crashed with SIGSEGV (segmentation fault) while loading the file"))
    }
}
