import Foundation
import Testing
@testable import PluginHost

/// The `files` plugin against real directories: mtimes set per file, symbolic links, permission errors.
@Suite struct FilesPluginTests {
    /// The run's start in the default request, which the plugin measures ages from.
    static let now = Date(timeIntervalSince1970: 1_795_437_000.25)
    static let day: TimeInterval = 86_400

    let harness: PluginHarness
    let directory: String

    init() throws {
        harness = try PluginHarness("libFilesPlugin.so", name: "files")
        directory = harness.scratch + "/logs"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Writes `size` bytes at `relative` (creating folders) with its mtime `age` before the run's start.
    @discardableResult
    func file(_ relative: String, ageDays: Double, size: Int = 10, in base: String? = nil) throws -> String {
        let path = (base ?? directory) + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: Self.now.addingTimeInterval(-ageDays * Self.day)],
                                              ofItemAtPath: path)
        return path
    }

    func exists(_ relative: String) -> Bool {
        var info = stat()
        return lstat(directory + "/" + relative, &info) == 0
    }

    func config(_ extra: String) -> String { #"{"path": "\#(directory)", \#(extra)}"# }

    @Test func filesOlderThanTheAgeMatchingThePatternAreRemovedAndTheOthersKept() throws {
        try file("a.log", ageDays: 40, size: 100)
        try file("b.log", ageDays: 10, size: 7)
        try file("c.txt", ageDays: 40)
        try file("d.log", ageDays: 30.01, size: 20)
        let result = try harness.runOnce(config(#""pattern": "*.log", "older_than": "30d""#))
        #expect(result.status == .ok, "\(result.message)")
        #expect(!exists("a.log") && !exists("d.log"))
        #expect(exists("b.log") && exists("c.txt"))
        let output = try outputObject(result)
        #expect(output["removed_files"] as? Int == 2)
        #expect(output["removed_bytes"] as? Int == 120)
        #expect(output["kept_files"] as? Int == 1)
        #expect(output["kept_bytes"] as? Int == 7)
        #expect(output["removed"] as? [String] == ["a.log", "d.log"])
        #expect(output["error_count"] as? Int == 0)
    }

    @Test func keepNewestProtectsTheNewestFilesEvenWhenTheyAreOld() throws {
        for (index, age) in [50.0, 40, 60, 45, 70].enumerated() { try file("f\(index).log", ageDays: age) }
        let result = try harness.runOnce(config(#""older_than": "30d", "keep_newest": 2"#))
        #expect(result.status == .ok)
        #expect(exists("f1.log") && exists("f3.log"))
        #expect(!exists("f0.log") && !exists("f2.log") && !exists("f4.log"))
    }

    @Test func keepNewestAloneRemovesEverythingButTheNewest() throws {
        for (index, age) in [1.0, 2, 3].enumerated() { try file("f\(index).log", ageDays: age) }
        let result = try harness.runOnce(config(#""keep_newest": 1"#))
        #expect(result.status == .ok)
        #expect(exists("f0.log") && !exists("f1.log") && !exists("f2.log"))
    }

    @Test func maxTotalSizeRemovesTheOldestUntilTheRestFits() throws {
        for (index, age) in [1.0, 2, 3, 4, 5].enumerated() { try file("f\(index).bin", ageDays: age, size: 100) }
        let result = try harness.runOnce(config(#""max_total_size": "250B""#))
        #expect(result.status == .ok)
        #expect(exists("f0.bin") && exists("f1.bin"))
        #expect(!exists("f2.bin") && !exists("f3.bin") && !exists("f4.bin"))
        #expect(try outputObject(result)["kept_bytes"] as? Int == 200)
    }

    @Test func dryRunReportsWhatWouldGoAndRemovesNothing() throws {
        try file("old.log", ageDays: 90, size: 5)
        let result = try harness.runOnce(config(#""older_than": "30d", "dry_run": true"#))
        #expect(result.status == .ok)
        #expect(exists("old.log"))
        let output = try outputObject(result)
        #expect(output["dry_run"] as? Bool == true)
        #expect(output["removed"] as? [String] == ["old.log"])
        #expect(output["removed_bytes"] as? Int == 5)
    }

    @Test func symbolicLinksAreNeitherFollowedNorRemoved() throws {
        let outside = harness.scratch + "/outside"
        let secret = try file("secret.log", ageDays: 90, in: outside)
        try file("nested/precious.log", ageDays: 90, in: outside)
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.log", withDestinationPath: secret)
        try FileManager.default.createSymbolicLink(atPath: directory + "/escape", withDestinationPath: outside + "/nested")
        try file("real.log", ageDays: 90)
        let result = try harness.runOnce(config(#""older_than": "1d", "recursive": true"#))
        #expect(result.status == .ok, "\(result.message)")
        #expect(FileManager.default.fileExists(atPath: secret))
        #expect(FileManager.default.fileExists(atPath: outside + "/nested/precious.log"))
        #expect(exists("link.log") && exists("escape"))
        #expect(!exists("real.log"))
        let output = try outputObject(result)
        #expect(output["symlinks_skipped"] as? Int == 2)
        #expect(output["removed"] as? [String] == ["real.log"])
    }

    @Test func subdirectoriesAreScannedOnlyWhenRecursiveAndRemovedOnlyWhenAsked() throws {
        try file("top.log", ageDays: 90)
        try file("2026/01/old.log", ageDays: 90)
        try file("2026/02/new.log", ageDays: 1)
        var result = try harness.runOnce(config(#""older_than": "30d""#))
        #expect(result.status == .ok)
        #expect(!exists("top.log") && exists("2026/01/old.log"))
        result = try harness.runOnce(config(#""older_than": "30d", "recursive": true"#))
        #expect(!exists("2026/01/old.log") && exists("2026/01") && exists("2026/02/new.log"))
        result = try harness.runOnce(config(#""older_than": "30d", "recursive": true, "remove_empty_directories": true"#))
        #expect(!exists("2026/01") && exists("2026/02/new.log"))
        #expect(try outputObject(result)["removed_directories"] as? [String] == ["2026/01"])
    }

    @Test func aPathPatternMatchesTheRelativePath() throws {
        try file("app/old.log", ageDays: 90)
        try file("db/old.log", ageDays: 90)
        let result = try harness.runOnce(config(#""pattern": "app/*.log", "older_than": "1d", "recursive": true"#))
        #expect(result.status == .ok)
        #expect(!exists("app/old.log") && exists("db/old.log"))
    }

    @Test func permissionErrorsAreReportedWhileEverythingElseIsStillCleaned() throws {
        try file("old.log", ageDays: 90)
        try file("locked/old.log", ageDays: 90)
        try file("sealed/old.log", ageDays: 90)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory + "/locked")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: directory + "/sealed")
        defer {
            for sub in ["locked", "sealed"] {
                try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory + "/" + sub)
            }
        }
        let instance = try harness.instance(config(#""older_than": "30d", "recursive": true"#))
        defer { instance.destroy() }
        let result = PluginHarness.onThread {
            Unprivileged.run { instance.run(PluginHarness.request(), control: RunControl(), logger: .quiet) }
        }
        #expect(result.status == .error)
        #expect(result.message.hasPrefix("2 path(s) could not be handled"), "\(result.message)")
        #expect(!exists("old.log"))
        #expect(exists("locked/old.log"))
        let output = try outputObject(result)
        let errors = try #require(output["errors"] as? [[String: String]])
        #expect(errors.contains(["path": "sealed", "error": "Permission denied"]))
        #expect(errors.contains(["path": "locked/old.log", "error": "Permission denied"]))
        #expect(output["removed"] as? [String] == ["old.log"])
    }

    @Test func aMissingDirectoryFailsPermanently() throws {
        let result = try harness.runOnce(#"{"path": "\#(directory)/nope", "older_than": "1d"}"#)
        #expect(result.status == .permanent)
        #expect(result.message.hasPrefix("path: cannot open"))
    }

    @Test func aStopRequestedBeforeTheRunRemovesNothing() throws {
        try file("old.log", ageDays: 90)
        let control = RunControl()
        control.requestStop()
        let result = try harness.runOnce(config(#""older_than": "1d""#), control: control)
        #expect(result.status == .cancelled)
        #expect(exists("old.log"))
    }

    @Test(arguments: [
        (#"{"older_than": "1d"}"#, "path: required key is missing"),
        (#"{"path": "logs", "older_than": "1d"}"#, "path: must be an absolute path"),
        (#"{"path": "/", "older_than": "1d"}"#, "path: must not be the root directory"),
        (#"{"path": "/var/log/../..", "older_than": "1d"}"#, "path: must not contain .."),
        (#"{"path": "/tmp/x"}"#, "config: give at least one of older_than, keep_newest, max_total_size"),
        (#"{"path": "/tmp/x", "older_than": "30 days"}"#, "older_than: must be a duration"),
        (#"{"path": "/tmp/x", "older_than": true}"#, "older_than: must be a duration"),
        (#"{"path": "/tmp/x", "max_total_size": "lots"}"#, "max_total_size: must be a size"),
        (#"{"path": "/tmp/x", "keep_newest": -1}"#, "keep_newest: must not be negative"),
        (#"{"path": "/tmp/x", "keep_newest": 1.5}"#, "keep_newest: must be a whole number"),
        (#"{"path": "/tmp/x", "keep_newest": 1, "pattern": ""}"#, "pattern: must not be empty"),
        (#"{"path": "/tmp/x", "keep_newest": 1, "pattern": "[a-"}"#, "pattern: \"[a-\" has a ["),
        (#"{"path": "/tmp/x", "keep_newest": 1, "pattern": [3]}"#, "pattern[0]: must be a string"),
        (#"{"path": "/tmp/x", "keep_newest": 1, "recursive": "yes"}"#, "recursive: must be true or false"),
        (#"{"path": "/tmp/x", "keep_newest": 1, "older": "1d"}"#, "older: unknown key"),
    ])
    func badConfigIsRefusedAtCreateNamingTheKey(config: String, message: String) throws {
        let failure = try #require(harness.createFailure(config), "accepted \(config)")
        #expect(failure.status == .configError)
        #expect(failure.message.hasPrefix(message), "\(failure.message)")
    }
}
