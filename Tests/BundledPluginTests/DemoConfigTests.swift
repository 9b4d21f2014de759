import Config
import Foundation
import Testing
@testable import PluginHost

/// The top-level `config.yaml` (the demo) loads, every task's `config:` is accepted by its real plugin (what `housekeeper check`
/// does), and its jobs, run once each through the real plugins in a believable order, change the demo database
/// as their descriptions say. (Running it on its schedule through the daemon is the integration suite's job.)
@Suite struct DemoConfigTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    let harness: PluginHarness
    /// Stands in for the examples folder: `${CONFIG_DIR}`, holding a copy of the schema and the demo's var/.
    let configDirectory: String
    let server: TestHTTPServer
    let config: HousekeeperConfig

    init() throws {
        harness = try PluginHarness([("libSQLitePlugin.so", "sqlite"), ("libFilesPlugin.so", "files"),
                                     ("libExecPlugin.so", "exec"), ("libHTTPPlugin.so", "http")])
        configDirectory = harness.scratch + "/demo"
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: configDirectory + "/examples", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.repository + "/examples/demo-schema.sql",
                                         toPath: configDirectory + "/examples/demo-schema.sql")
        server = try TestHTTPServer([.raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nup")])
        config = try ConfigLoader.load(path: Self.repository + "/config.yaml",
                                       environment: ["CONFIG_DIR": configDirectory, "HEALTH_URL": server.url("/health")])
    }

    func task(_ name: String) throws -> TaskSpec {
        try #require(config.tasks.first { $0.name == name }, "no task \(name)")
    }

    /// Runs the demo task `name` once, as of `now`.
    @discardableResult
    func run(_ name: String, now: Date = Date(), contextJSON: String = "{}") throws -> RunResult {
        let spec = try task(name)
        let plugin = try #require(harness.plugins[spec.plugin])
        let instance = try plugin.makeInstance(taskName: name, configJSON: spec.configJSON,
                                               stateDirectory: harness.scratch, logger: .quiet).get()
        defer { instance.destroy() }
        let micros = Int64(now.timeIntervalSince1970 * 1_000_000)
        let result = instance.run(RunRequest(taskName: name, runID: 1, scheduledAt: micros, startedAt: micros,
                                             attempt: 1, trigger: .schedule, contextJSON: contextJSON),
                                  control: RunControl(), logger: .quiet)
        #expect(result.status == .ok, "\(name): \(result.message)")
        return result
    }

    func count(_ sql: String) throws -> Int64 {
        try TestDatabase(configDirectory + "/var/demo.sqlite").integer(sql)
    }

    @Test func everyDemoTaskIsAcceptedByItsPlugin() throws {
        #expect(config.tasks.count >= 15)
        for spec in config.tasks {
            let plugin = try #require(harness.plugins[spec.plugin], "\(spec.name) uses unknown plugin \(spec.plugin)")
            let result = plugin.makeInstance(taskName: spec.name, configJSON: spec.configJSON,
                                             stateDirectory: harness.scratch, logger: .quiet)
            if case .failure(let failure) = result { Issue.record("\(spec.name): \(failure.message)") }
            if case .success(let instance) = result { instance.destroy() }
        }
        let names = Set(config.tasks.map(\.name))
        for required in ["cleanup-expired-tokens", "cleanup-old-logs", "database-vacuum", "connection-audit",
                         "activity-log-retention", "daily-snapshot", "weekly-snapshot", "monthly-snapshot",
                         "monthly-invitations", "reminders", "health-check"] {
            #expect(names.contains(required), "missing \(required)")
        }
        #expect(try task("health-check").onFailure == ["alert"])
        #expect(try task("cleanup-expired-tokens").schedule == "H 2 * * *" && task("cleanup-expired-tokens").startup)
        #expect(try task("setup-demo-database").startup)
        #expect(try task("monthly-invitations").timezone == "Europe/Paris")
    }

    @Test func theDemoJobsChangeTheDemoDatabaseAsTheySay() throws {
        try run("setup-demo-directories")
        try run("setup-demo-database")
        try run("setup-demo-database")  // every start runs it again: nothing doubles
        #expect(try count("SELECT count(*) FROM players") == 4)
        #expect(try count("SELECT count(*) FROM tokens") == 8)

        try run("cleanup-expired-tokens")
        #expect(try count("SELECT count(*) FROM tokens") == 4)
        #expect(try count("SELECT count(*) FROM sessions") == 2)

        try run("connection-audit")
        #expect(try count("SELECT count(*) FROM players WHERE name = 'grace' AND status = 'disconnected'") == 1)
        #expect(try count("SELECT count(*) FROM players WHERE name = 'linus'") == 0)
        #expect(try count("SELECT count(*) FROM inventory") == 6)

        try run("activity-log-retention")
        #expect(try count("SELECT count(*) FROM activity_log") == 2)

        try run("demo-traffic")
        #expect(try count("SELECT count(*) FROM activity_log WHERE actor = 'demo-traffic'") == 1)

        for snapshot in ["daily-snapshot", "weekly-snapshot", "monthly-snapshot"] {
            try run(snapshot)
            try run(snapshot)  // a retry of the same slot inserts nothing
        }
        #expect(try count("SELECT count(*) FROM snapshots") == 3)
        #expect(try count("SELECT players FROM snapshots WHERE kind = 'daily'") == 3)

        try run("monthly-invitations")
        #expect(try count("SELECT count(*) FROM invitations") == 3)
        try run("reminders", now: Date().addingTimeInterval(4 * 86_400))
        #expect(try count("SELECT count(*) FROM invitations WHERE reminded_3_at IS NOT NULL") == 3)
        #expect(try count("SELECT count(*) FROM invitations WHERE reminded_7_at IS NOT NULL") == 0)

        let log = configDirectory + "/var/logs/app.log"
        #expect(FileManager.default.createFile(atPath: log, contents: Data("old".utf8)))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-40 * 86_400)],
                                              ofItemAtPath: log)
        let cleanup = try run("cleanup-old-logs")
        #expect(FileManager.default.fileExists(atPath: log), "keep_newest: 5 protects the only log")
        #expect(try outputObject(cleanup)["kept_files"] as? Int == 1)

        try run("database-vacuum")
        try run("health-check")
        #expect(server.requests.first?.requestLine == "GET /health HTTP/1.1")

        let cause = #"{"cause": {"task": "health-check", "status": "failed", "run_id": 9, "error": "GET ... refused"}}"#
        try run("alert", contextJSON: cause)
        let alerts = try String(contentsOfFile: configDirectory + "/var/alerts.log", encoding: .utf8)
        #expect(alerts.hasSuffix(" health-check run 9 failed: GET ... refused\n"), "\(alerts)")
    }
}
