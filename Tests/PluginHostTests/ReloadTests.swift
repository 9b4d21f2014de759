import Foundation
import Testing
@testable import PluginHost

/// `load(previous:)` keeps unchanged plugins, loads changed content as a new private copy, drops removed files.
@Suite struct ReloadTests {
    @Test func anUnchangedFileReusesTheSameLoadedPlugin() throws {
        let workspace = try TestWorkspace()
        try workspace.buildPlugin("p.so")
        let first = workspace.load()
        let second = workspace.load(previous: first)
        let plugin = try #require(first.plugins["fixture"])
        #expect(second.plugins["fixture"] === plugin)
    }

    @Test func changedContentGetsANewCachedCopyAndANewHandle() throws {
        let workspace = try TestWorkspace()
        try workspace.buildPlugin("p.so")
        let first = workspace.load()
        let old = try #require(first.plugins["fixture"])
        try workspace.buildPlugin("p.so", defines: [#"-DFX_LABEL="two""#])
        let second = workspace.load(previous: first)
        let new = try #require(second.plugins["fixture"])
        #expect(new !== old)
        #expect(new.sha256 != old.sha256)
        #expect(new.cachedPath != old.cachedPath)
        #expect(new.cachedPath == workspace.cache + "/p-\(new.sha256).so")
        #expect(old.version == "one" && new.version == "two")  // the new code, not dlopen's cached old handle
        #expect(FileManager.default.fileExists(atPath: old.cachedPath))  // the old copy may still be mapped
    }

    @Test func theCachedCopyIsContentAddressedAndReadOnly() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("p.so")
        let plugin = try #require(workspace.load().plugins["fixture"])
        let content = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(PluginCache.sha256(Array(content)) == plugin.sha256)
        #expect(try Data(contentsOf: URL(fileURLWithPath: plugin.cachedPath)) == content)
        let mode = try FileManager.default.attributesOfItem(atPath: plugin.cachedPath)[.posixPermissions] as? Int
        #expect(mode == 0o500)
        // A new loader (a restarted daemon) reuses the identical copy.
        #expect(workspace.load().plugins["fixture"]?.cachedPath == plugin.cachedPath)
    }

    @Test func aRemovedFileIsNotInTheNextCatalog() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("p.so")
        let first = workspace.load()
        try FileManager.default.removeItem(atPath: path)
        let second = workspace.load(previous: first)
        #expect(second.plugins.isEmpty && second.rejected.isEmpty)
    }

    @Test func theSha256MatchesAKnownVector() {
        #expect(PluginCache.sha256(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func aTouchedButIdenticalFileIsANewEntryWithTheSameCodeAndCopy() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("p.so")
        let first = workspace.load()
        let old = try #require(first.plugins["fixture"])
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)],
                                              ofItemAtPath: path)
        let new = try #require(workspace.load(previous: first).plugins["fixture"])
        #expect(new !== old)
        #expect(new.sha256 == old.sha256 && new.cachedPath == old.cachedPath)
        #expect(new.entryPoints.descriptor == old.entryPoints.descriptor)
    }
}
