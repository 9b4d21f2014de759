import Config
import Logging
import Foundation
import Isolation
import PluginHost
import Testing

/// The probe: a file is loaded in a throw-away `housekeeper probe` process first; one that crashes or hangs
/// while loading is rejected with the reason, and the verdict is cached until the file changes.
@Suite(.serialized)
struct PluginProbeTests {
    static func probe(timeLimit: Duration = .seconds(10)) -> PluginProbe {
        PluginProbe(executable: IsolationWorkspace.housekeeper, timeLimit: timeLimit, logger: .quiet)
    }

    @Test func aGoodPluginIsAcceptedWithItsDescriptor() async throws {
        let workspace = try IsolationWorkspace()
        let path = try workspace.buildFixture("good.so")
        let probe = Self.probe()
        let verdict = await IsolationWorkspace.blocking { probe.verdict(for: path) }
        guard case .accepted(let descriptor) = verdict else {
            Issue.record("expected acceptance, got \(verdict)")
            return
        }
        #expect(descriptor.name == "crashy")
        #expect(descriptor.version == "1.0")
        #expect(descriptor.fingerprint == "hk-abi-1;c")
    }

    @Test func aFileThatCrashesInItsEntryFunctionIsRejected() async throws {
        let workspace = try IsolationWorkspace()
        let path = try workspace.buildFixture("entry.so", mode: "CRASH_ENTRY")
        let probe = Self.probe()
        let verdict = await IsolationWorkspace.blocking { probe.verdict(for: path) }
        #expect(verdict.rejectionReason?.hasPrefix("the probe crashed with SIGSEGV (segmentation fault) while loading") == true)
    }

    @Test func aFileThatHangsInItsEntryFunctionIsRejectedAfterTheTimeLimit() async throws {
        let workspace = try IsolationWorkspace()
        let path = try workspace.buildFixture("hang.so", mode: "HANG_ENTRY")
        let probe = Self.probe(timeLimit: .seconds(2))
        let verdict = await IsolationWorkspace.blocking { probe.verdict(for: path) }
        #expect(verdict.rejectionReason?.hasPrefix("the probe hung: loading the file did not finish within") == true)
    }

    @Test func aFileThatIsNotAPluginIsRejectedWithTheHandshakeReason() async throws {
        let workspace = try IsolationWorkspace()
        let path = workspace.root + "/notes.so"
        try "just text".write(toFile: path, atomically: false, encoding: .utf8)
        let probe = Self.probe()
        let verdict = await IsolationWorkspace.blocking { probe.verdict(for: path) }
        #expect(verdict.rejectionReason?.hasPrefix("cannot be loaded (not a shared library?)") == true)
    }

    @Test func aVerdictIsCachedUntilTheFileChanges() async throws {
        let workspace = try IsolationWorkspace()
        let path = try workspace.buildFixture("entry.so", mode: "CRASH_ENTRY")
        let probe = Self.probe()
        let first = await IsolationWorkspace.blocking { probe.verdict(for: path) }
        let second = await IsolationWorkspace.blocking { probe.verdict(for: path) }
        #expect(first == second)
        #expect(probe.probeCount == 1)
        try workspace.buildFixture("entry.so")  // fixed: new content, new inode
        let third = await IsolationWorkspace.blocking { probe.verdict(for: path) }
        #expect(probe.probeCount == 2)
        #expect(third.rejectionReason == nil)
    }

    @Test func theLoaderWithAProbeRejectsCrashingFilesAndLoadsTheOthers() async throws {
        let workspace = try IsolationWorkspace()
        let plugins = workspace.root + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        for (name, mode, pluginName) in [("a-good.so", nil, "good"), ("b-entry.so", "CRASH_ENTRY", "entry"),
                                         ("c-hang.so", "HANG_ENTRY", "hang")] as [(String, String?, String)] {
            let built = try workspace.buildFixture(name, mode: mode, defines: ["-DFX_NAME=\"\(pluginName)\""])
            try FileManager.default.moveItem(atPath: built, toPath: plugins + "/" + name)
        }
        let probe = Self.probe(timeLimit: .seconds(2))
        let loader = PluginLoader(
            options: PluginLoaderOptions(directory: plugins, cacheDirectory: workspace.root + "/cache",
                                         allowInsecure: true),
            logger: .quiet, vetter: probe)
        let catalog = await IsolationWorkspace.blocking { loader.load() }
        #expect(Array(catalog.plugins.keys) == ["good"])
        #expect(catalog.rejected.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["b-entry.so", "c-hang.so"])
        #expect(catalog.rejected.first?.reason.contains("SIGSEGV") == true)
        #expect(catalog.rejected.last?.reason.contains("hung") == true)
        // A rescan does not probe the unchanged rejected files again.
        _ = await IsolationWorkspace.blocking { loader.load(previous: catalog) }
        #expect(probe.probeCount == 3)
    }
}
