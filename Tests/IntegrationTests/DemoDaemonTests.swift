import Foundation
import GRDB
import Testing

/// The bundled `config.yaml` (the demo) through the real binary and the real bundled plugins: start-up tasks build
/// the demo database, the every-10-seconds task plays traffic into it, the start-up token cleanup deletes what
/// expired, and history records all of it.
@Suite(.serialized) struct DemoDaemonTests {
    @Test func theBundledConfigBuildsTheDemoDatabaseAndItsJobsChangeIt() async throws {
        let sandbox = try Sandbox()
        for library in ["libSQLitePlugin.so", "libFilesPlugin.so", "libExecPlugin.so", "libHTTPPlugin.so"] {
            try sandbox.install(library)
        }
        // The repository's config.yaml as it is, with the plugin directory pointed at the sandbox's.
        let original = try String(
            contentsOf: Sandbox.repository.appendingPathComponent("config.yaml"), encoding: .utf8)
        let config = original
            .replacingOccurrences(of: "${HOUSEKEEPER_PLUGINS:-.build/debug}", with: "plugins")
            .replacingOccurrences(of: "${HOUSEKEEPER_API_LISTEN:-127.0.0.1:8089}", with: "127.0.0.1:\(try AdminHTTP.freePort())")
        #expect(config != original, "the plugin directory line is still in config.yaml")
        try config.write(to: sandbox.configFile, atomically: true, encoding: .utf8)
        let examples = sandbox.root.appendingPathComponent("examples")
        try FileManager.default.createDirectory(at: examples, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Sandbox.repository.appendingPathComponent("examples/demo-schema.sql"),
            to: examples.appendingPathComponent("demo-schema.sql"))

        let check = try sandbox.cli(["check", "--config", sandbox.configFile.path])
        #expect(check.status == 0, "\(check.stderr)")

        let daemon = try sandbox.start()
        func succeeded(_ task: String) throws -> Int {
            try sandbox.history(task: task).filter { $0["status"] as? String == "succeeded" }.count
        }
        try await eventually("the start-up tasks and two demo-traffic slots", timeout: .seconds(60)) {
            try succeeded("setup-demo-database") == 1 && succeeded("setup-demo-directories") == 1
                && succeeded("cleanup-expired-tokens") == 1 && succeeded("demo-traffic") >= 2
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        let demo = try DatabaseQueue(path: sandbox.root.appendingPathComponent("var/demo.sqlite").path)
        try await demo.read { db in
            let logins = try Int.fetchOne(db, sql: "SELECT count(*) FROM activity_log WHERE actor = 'demo-traffic'")
            #expect((logins ?? 0) >= 2, "demo-traffic logged a login per run")
            let tokens = try Int.fetchOne(db, sql: "SELECT count(*) FROM tokens WHERE token LIKE 'demo-%'")
            #expect((tokens ?? 0) >= 1, "demo-traffic issued tokens")
            let players = try Int.fetchOne(db, sql: "SELECT count(*) FROM players")
            #expect((players ?? 0) > 0, "the schema seeded players")
        }
        // The start-up cleanup reported what it deleted, per statement, as JSON output in history.
        let cleanup = try #require(try sandbox.history(task: "cleanup-expired-tokens").first)
        #expect(cleanup["trigger"] as? String == "startup")
        #expect((cleanup["output"] as? String)?.contains("changes") == true, "\(cleanup)")
        // Every demo-traffic slot is one row.
        let slots = try sandbox.history(task: "demo-traffic").compactMap { $0["scheduled_at"] as? String }
        #expect(Set(slots).count == slots.count)
        #expect(FileManager.default.fileExists(atPath: sandbox.root.appendingPathComponent("var/logs").path))
    }
}
