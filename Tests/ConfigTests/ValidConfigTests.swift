@testable import Config
import Cron
import Foundation
import Testing

/// Valid files produce the typed configuration, with defaults and absolute paths.
struct ValidConfigTests {
    static let fullFile = """
        timezone: Europe/Paris
        plugins:
          directory: ../lib/plugins
        state:
          database: /var/lib/housekeeper/state.sqlite
        limits:
          max_running: 2
        shutdown:
          grace_period: 1m30s
        api:
          listen: 0.0.0.0:9000
          enabled: false
          token_file: secrets/token
        log:
          level: debug
          format: json
        tasks:
          - name: nightly-backup
            plugin: backup
            schedule: "0 3 * * *"
            timezone: UTC
            timeout: 2h
            overlap: skip
            description: Copies the database
            config:
              target: /backups
              keep: 7
          - name: stamp.1
            plugin: stamp
            schedule: '* * * * *'
            enabled: false
        """

    @Test func anEmptyFileGivesTheDefaults() throws {
        let config = try #require(Fixture.config(""))
        #expect(config.file == "/etc/housekeeper/config.yaml")
        #expect(config.timezone == "UTC")
        #expect(config.pluginsDirectory == "/etc/housekeeper/plugins")
        #expect(config.stateDatabase == "/etc/housekeeper/var/housekeeper.sqlite")
        #expect(config.maxRunning == 4)
        #expect(config.shutdownGracePeriod == .seconds(30))
        #expect(config.api == APISettings(listen: "127.0.0.1:8089", enabled: true))
        #expect(config.log == LogSettings(level: .info, format: .text))
        #expect(config.tasks.isEmpty)
        #expect(config == HousekeeperConfig(file: "/etc/housekeeper/config.yaml", warnings: config.warnings))
        #expect(config.warnings.map(\.description) == [
            "config.yaml:1:1: warning: the configuration defines no tasks; add a tasks: list to schedule something",
        ])
    }

    @Test func globalSettingsAreTypedAndRelativePathsResolveAgainstTheFileFolder() throws {
        let globals = Self.fullFile.components(separatedBy: "tasks:")[0].replacingOccurrences(
            of: "Europe/Paris", with: "local"
        ).replacingOccurrences(of: "format: json\n", with: "format: json\n  runs: failures\n")
        let config = try #require(Fixture.config(globals))
        #expect(config.timezone == "local")
        #expect(config.pluginsDirectory == "/etc/lib/plugins")
        #expect(config.stateDatabase == "/var/lib/housekeeper/state.sqlite")
        #expect(config.maxRunning == 2)
        #expect(config.shutdownGracePeriod == .seconds(90))
        #expect(config.api == APISettings(
            listen: "0.0.0.0:9000", enabled: false, tokenFile: "/etc/housekeeper/secrets/token"))
        #expect(config.log == LogSettings(level: .debug, format: .json, runs: .failures))
    }

    @Test func taskKeysAreTypedBeforeTheScheduleIsParsed() throws {
        let drafts = Fixture.taskDrafts("tasks:" + Self.fullFile.components(separatedBy: "tasks:")[1])
        #expect(drafts.map(\.name?.value) == ["nightly-backup", "stamp.1"])
        #expect(drafts.map(\.plugin?.value) == ["backup", "stamp"])
        #expect(drafts.map(\.schedule?.scalar?.text) == ["0 3 * * *", "* * * * *"])
        #expect(drafts.map(\.timeout) == [.seconds(7_200), nil])
        #expect(drafts.map(\.enabled) == [true, false])
        #expect(drafts.map(\.config?.value) == [#"{"target":"/backups","keep":7}"#, nil])
        #expect(drafts.first?.description == "Copies the database")
    }

    @Test func theAPITokenCanComeFromAnEnvironmentVariableOrInline() throws {
        let fromEnvironment = try #require(Fixture.config("api:\n  token_env: HK_TOKEN\n"))
        #expect(fromEnvironment.api.tokenEnvironmentVariable == "HK_TOKEN")
        let inline = try #require(Fixture.config("api:\n  token: \"s3cr3t\"\n"))
        #expect(inline.api.token == "s3cr3t")
    }

    @Test(.enabled(if: CronAvailability.isReal, "needs the real cron engine and zone data"))
    func aFullFileProducesTypedTasks() throws {
        let config = try #require(Fixture.config(Self.fullFile))
        #expect(config.timezone == "Europe/Paris")
        #expect(config.tasks.count == 2)
        let backup = try #require(config.task(named: "nightly-backup"))
        #expect(backup.plugin == "backup")
        #expect(backup.schedule == "0 3 * * *")
        #expect(backup.cron?.source == "0 3 * * *")
        #expect(backup.timezone == "UTC")
        #expect(backup.timeout == .seconds(7_200))
        #expect(backup.overlap == .skip)
        #expect(backup.configJSON == #"{"target":"/backups","keep":7}"#)
        #expect(backup.description == "Copies the database")
        #expect(backup.location.description == "config.yaml:18:5")
        #expect(backup.pluginLocation.description == "config.yaml:19:13")
        #expect(backup.configLocation.description == "config.yaml:26:7")
        let stamp = try #require(config.task(named: "stamp.1"))
        #expect(stamp.timezone == "Europe/Paris")
        #expect(stamp.enabled == false)
        #expect(stamp.configJSON == "{}")
        #expect(stamp.configLocation == stamp.location)
        #expect(config.warnings.isEmpty)
    }

    @Test(.enabled(if: CronAvailability.isReal, "needs the real cron engine"))
    func unknownPluginsGetADidYouMeanAndTheKnownList() throws {
        let config = try #require(Fixture.config(Self.fullFile.replacingOccurrences(of: "Europe/Paris", with: "UTC")))
        let rendered = config.unknownPluginDiagnostics(known: ["backups", "stamp", "vacuum"]).map(\.description)
        #expect(rendered == [
            "config.yaml:19:13: error: unknown plugin \"backup\" for task \"nightly-backup\"; did you mean "
                + "\"backups\"?; known plugins: backups, stamp, vacuum",
        ])
        #expect(config.unknownPluginDiagnostics(known: ["backup", "stamp"]).isEmpty)
    }

    @Test func loadReadsARealFileAndNamesItAsGiven() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.yaml")
        try "plugins:\n  directory: plugins.d\n".write(to: good, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: good.path, environment: [:])
        #expect(config.file == good.path)
        #expect(config.pluginsDirectory == folder.appendingPathComponent("plugins.d").path)

        let bad = folder.appendingPathComponent("bad.yaml")
        try "limits:\n  max_running: -1\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: ConfigErrors.self) { try ConfigLoader.load(path: bad.path, environment: [:]) }
        do {
            _ = try ConfigLoader.load(path: bad.path, environment: [:])
        } catch {
            #expect(error.diagnostics.map(\.location.description) == ["\(bad.path):2:16"])
        }
    }

    @Test func aRelativePathIsNamedAsGivenAndResolvedAgainstTheWorkingDirectory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("hk.yaml")
        try "limits:\n  max_running: 0\n".write(to: file, atomically: true, encoding: .utf8)
        // Enough ".." to climb from any working directory to the root, then down to the file.
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + file.path.dropFirst()
        do {
            _ = try ConfigLoader.load(path: relative, environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.map(\.location.description) == ["\(relative):2:16"])
        }
        try "plugins:\n  directory: p\n".write(to: file, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: relative, environment: [:])
        #expect(config.file == file.path)
        #expect(config.pluginsDirectory == folder.appendingPathComponent("p").path)
    }

    @Test func aMissingFileIsAnErrorAtItsFirstLine() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/housekeeper.yaml", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.description.hasPrefix(
                "/nonexistent/housekeeper.yaml:1:1: error: cannot read the configuration file"))
        }
    }
}

/// One load parses each `H`-free schedule once; `H` schedules stay seeded by each task's name.
struct ScheduleCacheTests {
    @Test func tasksSharingAnHScheduleStillGetTheirOwnMinute() throws {
        guard CronAvailability.isReal else { return }
        var yaml = "tasks:\n"
        for index in 0..<20 { yaml += "  - {name: spread-\(index), plugin: p, schedule: \"H 3 * * *\"}\n" }
        for index in 0..<3 { yaml += "  - {name: fixed-\(index), plugin: p, schedule: \"30 3 * * *\"}\n" }
        let config = try #require(Fixture.config(yaml))
        let spread = Set(config.tasks.filter { $0.name.hasPrefix("spread") }.compactMap(\.cron).compactMap {
            CronSchedule(expression: $0, zone: .utc).next(after: 0)
        })
        #expect(spread.count > 1, "H is seeded per task, not shared through the cache")
        let fixed = config.tasks.filter { $0.name.hasPrefix("fixed") }.compactMap(\.cron)
        #expect(fixed.count == 3 && Set(fixed).count == 1, "one parse serves the tasks sharing a plain schedule")
    }
}
