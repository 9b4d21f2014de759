import Foundation
import Testing
@testable import PluginHost

/// Ownership and mode checks on the plugin directory, its files and the cache, with the fix in the reason.
/// The tests run as root, so they can give files to another user.
@Suite struct PermissionTests {
    @Test func aGroupWritableFileIsRefusedWithItsModeAndTheFix() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("p.so")
        try workspace.chmod(path, 0o775)
        let catalog = workspace.load()
        #expect(catalog.plugins.isEmpty)
        #expect(catalog.rejected == [PluginRejection(path: path, reason: "group-writable (mode 0775); run chmod go-w \(path)")])
    }

    @Test func aWorldWritablePluginDirectoryRefusesEverything() throws {
        let workspace = try TestWorkspace()
        try workspace.buildPlugin("p.so")
        try workspace.chmod(workspace.plugins, 0o777)
        let catalog = workspace.load()
        #expect(catalog.plugins.isEmpty)
        #expect(catalog.rejected == [PluginRejection(
            path: workspace.plugins, reason: "group- and world-writable (mode 0777); run chmod go-w \(workspace.plugins)")])
    }

    @Test func aFileOwnedByAnotherUserIsRefusedNamingTheOwner() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("p.so")
        try FileManager.default.setAttributes([.ownerAccountID: 12345], ofItemAtPath: path)
        let catalog = workspace.load()
        #expect(catalog.plugins.isEmpty)
        let reason = try #require(catalog.rejected.first?.reason)
        #expect(reason.hasPrefix("owned by uid 12345, not by root or the daemon's user (uid 0)"), "\(reason)")
        #expect(reason.hasSuffix("run chown root \(path)"))
    }

    @Test func allowInsecureAcceptsForeignOwnedAndWritableFiles() throws {
        let workspace = try TestWorkspace()
        let path = try workspace.buildPlugin("p.so")
        try FileManager.default.setAttributes([.ownerAccountID: 12345], ofItemAtPath: path)
        try workspace.chmod(path, 0o777)
        try workspace.chmod(workspace.plugins, 0o777)
        let catalog = workspace.load(allowInsecure: true)
        #expect(catalog.rejected.isEmpty, "\(catalog.rejected)")
        #expect(catalog.plugins["fixture"]?.sourcePath == path)
    }

    @Test func aSymlinkIsFollowedOnlyToATargetThatPassesTheSameChecks() throws {
        let workspace = try TestWorkspace()
        let target = try workspace.buildPlugin("real.so.disabled")
        let link = workspace.plugins + "/link.so"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let accepted = workspace.load()
        #expect(accepted.plugins["fixture"]?.sourcePath == link)

        try workspace.chmod(target, 0o666)
        let refused = workspace.load()
        #expect(refused.plugins.isEmpty)
        #expect(refused.rejected.first?.reason.hasPrefix("symlink to \(target), which is group- and world-writable") == true,
                "\(refused.rejected)")
    }

    @Test func aDirectoryNamedSoIsNotARegularFile() throws {
        let workspace = try TestWorkspace()
        try FileManager.default.createDirectory(atPath: workspace.plugins + "/dir.so", withIntermediateDirectories: false)
        #expect(workspace.load().rejected.map(\.reason) == ["not a regular file"])
    }

    @Test func theCacheIsCreatedPrivateAndRefusedWhenOthersCanUseIt() throws {
        let workspace = try TestWorkspace()
        try workspace.buildPlugin("p.so")
        #expect(workspace.load().plugins.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: workspace.cache)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)

        try workspace.chmod(workspace.cache, 0o755)
        let catalog = workspace.load()
        #expect(catalog.plugins.isEmpty)
        #expect(catalog.rejected == [PluginRejection(path: workspace.cache, reason:
            "plugin cache is accessible to others (mode 0755); run chmod 0700 \(workspace.cache)")])
    }

    @Test func aCacheOwnedByAnotherUserIsRefused() throws {
        let workspace = try TestWorkspace()
        try workspace.buildPlugin("p.so")
        try FileManager.default.createDirectory(atPath: workspace.cache, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700, .ownerAccountID: 12345])
        let catalog = workspace.load()
        #expect(catalog.plugins.isEmpty)
        #expect(catalog.rejected.first?.reason.hasPrefix("plugin cache is owned by uid 12345") == true, "\(catalog.rejected)")
    }
}
