import Foundation
import Testing
@testable import PluginHost

/// Files that are not acceptable plugins are refused with a reason naming the problem; others still load.
@Suite struct RejectionTests {
    private func onlyRejection(_ catalog: PluginCatalog, path: String) throws -> String {
        #expect(catalog.plugins.isEmpty, "\(catalog.plugins.keys)")
        #expect(catalog.rejected.count == 1, "\(catalog.rejected)")
        let rejection = try #require(catalog.rejected.first)
        #expect(rejection.path == path)
        return rejection.reason
    }

    @Test func aTextFileNamedSoIsRefusedAsNotLoadable() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.writePluginFile("x.so", text: "hello, I am not ELF\n")
        let reason = try onlyRejection(workspace.load(), path: path)
        #expect(reason.contains("cannot be loaded"), "\(reason)")
    }

    @Test func aLibraryWithoutTheEntryFunctionIsRefused() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("noentry.so", defines: ["-DFX_ENTRY=some_other_function"])
        let reason = try onlyRejection(workspace.load(), path: path)
        #expect(reason.contains("no entry function housekeeper_plugin_entry_v1"), "\(reason)")
    }

    @Test func anEntryFunctionReturningNullIsRefusedNamingTheHostVersion() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("null.so", defines: ["-DFX_RETURN_NULL"])
        let reason = try onlyRejection(workspace.load(), path: path)
        #expect(reason.contains("returned NULL for host ABI 1.0"), "\(reason)")
    }

    @Test func anotherMajorVersionIsRefusedNamingBothVersions() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("major.so", defines: ["-DFX_VERSION=((2u<<16)|0u)"])
        let reason = try onlyRejection(workspace.load(), path: path)
        #expect(reason.contains("major version mismatch: plugin built for ABI 2.0, host speaks ABI 1.0"), "\(reason)")
    }

    @Test func aNewerMinorVersionIsRefusedNamingBothVersions() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("minor.so", defines: ["-DFX_VERSION=((1u<<16)|3u)"])
        let reason = try onlyRejection(workspace.load(), path: path)
        #expect(reason.contains("needs a newer host: plugin built for ABI 1.3, host speaks ABI 1.0"), "\(reason)")
    }

    @Test func aSwiftFingerprintFromAnotherToolchainIsRefused() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("swift.so", defines: [#"-DFX_FINGERPRINT="hk-abi-1;swift-5.9""#])
        let reason = try onlyRejection(workspace.load(), path: path)
        #expect(reason.contains(#"fingerprint mismatch: plugin is "hk-abi-1;swift-5.9", host is "hk-abi-1;swift-"#),
                "\(reason)")
    }

    @Test func anUnknownFingerprintIsRefused() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("rust.so", defines: [#"-DFX_FINGERPRINT="hk-abi-1;rust""#])
        #expect(try onlyRejection(workspace.load(), path: path).contains(#"unknown ABI fingerprint "hk-abi-1;rust""#))
    }

    @Test func aNonNullReservedSlotIsRefused() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("reserved.so", defines: ["-DFX_RESERVED=(void*)1"])
        #expect(try onlyRejection(workspace.load(), path: path).contains("reserved slots must be NULL"))
    }

    @Test(arguments: ["Upper", "-dash", "", String(repeating: "a", count: 65), "white space"])
    func anInvalidPluginNameIsRefused(name: String) throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("name.so", defines: ["-DFX_NAME=\"\(name)\""])
        #expect(try onlyRejection(workspace.load(), path: path).contains("invalid plugin name"))
    }

    @Test func aDuplicateNameRejectsTheLaterFileNamingBoth() throws {
        let workspace = try TestWorkspace()
        let first = try workspace.buildPlugin("a.so")
        let second = try workspace.buildPlugin("b.so", defines: [#"-DFX_LABEL="two""#])
        let catalog = workspace.load()
        #expect(catalog.plugins["fixture"]?.sourcePath == first)
        #expect(catalog.rejected == [PluginRejection(
            path: second, reason: "duplicate plugin name \"fixture\": already provided by \(first)")])
    }

    @Test func aFileThatAlreadyHeldANameKeepsItAgainstAnEarlierSortingNewcomer() throws {
        let workspace = try TestWorkspace()
        let holder = try workspace.buildPlugin("b.so")
        let first = workspace.load()
        let newcomer = try workspace.buildPlugin("a.so", defines: [#"-DFX_LABEL="two""#])
        let second = workspace.load(previous: first)
        #expect(second.plugins["fixture"] === first.plugins["fixture"])
        #expect(second.plugins["fixture"]?.sourcePath == holder)
        #expect(second.rejected.map(\.path) == [newcomer])
        #expect(second.rejected.first?.reason.contains(holder) == true)
    }

    @Test func badFilesNeverBlockTheGoodOnes() throws {
        let workspace = try TestWorkspace()
        try workspace.writePluginFile("0-text.so", text: "not a library")
        try workspace.buildPlugin("1-noentry.so", defines: ["-DFX_ENTRY=nothing_here"])
        let good = try workspace.buildPlugin("2-good.so")
        try workspace.buildPlugin("3-major.so", defines: ["-DFX_VERSION=(9u<<16)", "-DFX_NAME=\"other\""])
        try workspace.writePluginFile("README.txt", text: "ignored: not *.so")
        let catalog = workspace.load()
        #expect(catalog.plugins.keys.sorted() == ["fixture"])
        #expect(catalog.plugins["fixture"]?.sourcePath == good)
        #expect(catalog.rejected.map { URL(fileURLWithPath: $0.path).lastPathComponent }
                == ["0-text.so", "1-noentry.so", "3-major.so"])
    }

    @Test func aMissingPluginDirectoryIsOneRejection() throws {
        let workspace = try TestWorkspace()
        let options = PluginLoaderOptions(directory: workspace.root + "/nowhere", cacheDirectory: workspace.cache)
        let catalog = PluginLoader(options: options, logger: .quiet).load()
        #expect(catalog.rejected == [PluginRejection(path: workspace.root + "/nowhere", reason: "does not exist")])
    }
}
