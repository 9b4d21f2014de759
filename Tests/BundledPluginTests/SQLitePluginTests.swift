import Foundation
import HousekeeperPlugin
import Testing
@testable import PluginHost

/// The `sqlite` plugin against real database files, including a locked one and corrupted ones.
@Suite struct SQLitePluginTests {
    /// `startedAt` of the default request, in Unix seconds.
    static let now: Int64 = 1_795_437_000

    let harness: PluginHarness
    let path: String

    init() throws {
        harness = try PluginHarness("libSQLitePlugin.so", name: "sqlite")
        path = harness.scratch + "/app.sqlite"
        let db = try TestDatabase(path)
        try db.execute("""
            CREATE TABLE tokens(id INTEGER PRIMARY KEY, expires_at INTEGER NOT NULL, note TEXT);
            INSERT INTO tokens(expires_at) VALUES (\(Self.now - 10)), (\(Self.now - 5)), (\(Self.now - 1)),
                (\(Self.now + 60)), (\(Self.now + 3600));
            CREATE TABLE snapshots(period TEXT PRIMARY KEY, tokens INTEGER);
            """)
    }

    func config(_ extra: String) -> String { #"{"database": \#(JSONValue.string(path).jsonText), \#(extra)}"# }

    func count(_ table: String) throws -> Int64 { try TestDatabase(path).integer("SELECT count(*) FROM \(table)") }

    @Test func eachStatementReportsTheRowsItChanged() throws {
        let result = try harness.runOnce(config(#"""
            "statements": ["DELETE FROM tokens WHERE expires_at < :started_at", "UPDATE tokens SET note = 'kept'",
                           "SELECT count(*) FROM tokens"]
            """#))
        #expect(result.status == .ok, "\(result.message)")
        let output = try outputObject(result)
        let statements = try #require(output["statements"] as? [[String: Any]])
        #expect(statements.map { $0["changes"] as? Int } == [3, 2, 0])
        #expect(statements[2]["result"] as? [Int] == [2])
        #expect(statements[0]["source"] as? String == "statements[0]")
        #expect(output["changes_total"] as? Int == 5)
        #expect(try count("tokens") == 2)
    }

    @Test func aFailingStatementRollsBackTheWholeTransaction() throws {
        let result = try harness.runOnce(config(#"""
            "statements": ["DELETE FROM tokens", "INSERT INTO missing VALUES (1)"], "transaction": true
            """#))
        #expect(result.status == .configError)
        #expect(result.message == "statements[1] (rolled back): no such table: missing")
        #expect(try count("tokens") == 5)
        #expect(try outputObject(result)["changes_total"] as? Int == 0)
    }

    @Test func withoutATransactionEarlierStatementsStay() throws {
        let result = try harness.runOnce(config(#""statements": ["DELETE FROM tokens", "INSERT INTO missing VALUES (1)"]"#))
        #expect(result.status == .configError)
        #expect(try count("tokens") == 0)
    }

    @Test func aScriptFileRunsEveryStatementInIt() throws {
        let script = harness.scratch + "/cleanup.sql"
        try """
            -- expired tokens go
            DELETE FROM tokens WHERE expires_at < :started_at;
            /* and the rest are marked */ UPDATE tokens SET note = :task || '#' || :run_id;
            """.write(toFile: script, atomically: false, encoding: .utf8)
        let result = try harness.runOnce(config(#""script": \#(JSONValue.string(script).jsonText)"#))
        #expect(result.status == .ok, "\(result.message)")
        #expect(try TestDatabase(path).integer("SELECT count(*) FROM tokens WHERE note = 'maintenance#42'") == 2)
    }

    @Test func insertsKeyedOnTheScheduledPeriodAreIdempotent() throws {
        let sql = #""INSERT OR IGNORE INTO snapshots(period, tokens) SELECT date(:scheduled_at, 'unixepoch'), count(*) FROM tokens""#
        let first = try harness.runOnce(config(#""statements": [\#(sql)]"#))
        let again = try harness.runOnce(config(#""statements": [\#(sql)]"#))
        #expect(try outputObject(first)["changes_total"] as? Int == 1)
        #expect(try outputObject(again)["changes_total"] as? Int == 0)
        #expect(try TestDatabase(path).integer("SELECT count(*) FROM snapshots WHERE period = '2026-11-23'") == 1)
    }

    @Test func anUnknownParameterIsAConfigError() throws {
        let result = try harness.runOnce(config(#""statements": ["DELETE FROM tokens WHERE id = :nope"]"#))
        #expect(result.status == .configError)
        #expect(result.message.hasPrefix("statements[0]: unknown parameter :nope (known: :run_id, :scheduled_at"))
    }

    @Test func aLockedDatabaseFailsRetryablyAfterTheBusyTimeout() throws {
        let holder = try TestDatabase(path)
        try holder.execute("BEGIN EXCLUSIVE; DELETE FROM snapshots;")
        let result = try harness.runOnce(config(#""statements": ["DELETE FROM tokens"], "busy_timeout": "30ms""#))
        #expect(result.status == .retryable)
        #expect(result.message == "statements[0]: database is locked")
        try holder.execute("ROLLBACK")
        #expect(try count("tokens") == 5)
    }

    @Test func aStopRequestEndsTheWaitForALock() throws {
        let holder = try TestDatabase(path)
        try holder.execute("BEGIN EXCLUSIVE; DELETE FROM snapshots;")
        let waiting = DispatchSemaphore(value: 0)
        let instance = try harness.instance(config(#""statements": ["DELETE FROM tokens"], "busy_timeout": "1h""#))
        defer { instance.destroy() }
        let control = RunControl()
        let box = ResultBox()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.set(instance.run(PluginHarness.request(), control: control,
                                 logger: .signalling("database is locked", waiting)))
            finished.signal()
        }
        waiting.wait()
        control.requestStop()
        finished.wait()
        #expect(box.get()?.status == .cancelled)
        try holder.execute("ROLLBACK")
    }

    @Test func integrityCheckPassesOnAHealthyDatabase() throws {
        let result = try harness.runOnce(config(#""action": ["integrity_check", "analyze", "optimize"]"#))
        #expect(result.status == .ok, "\(result.message)")
        let actions = try #require(try outputObject(result)["actions"] as? [[String: Any]])
        #expect(actions.map { $0["action"] as? String } == ["integrity_check", "analyze", "optimize"])
        #expect(actions[0]["ok"] as? Bool == true)
    }

    @Test func integrityCheckFailsTheRunWithTheProblemsInACorruptedDatabase() throws {
        let db = try TestDatabase(path)
        try db.execute("CREATE INDEX tokens_note ON tokens(note);")
        for _ in 0..<8 { try db.execute("INSERT INTO tokens(expires_at, note) SELECT expires_at, hex(randomblob(40)) FROM tokens;") }
        let page = try db.integer("SELECT rootpage FROM sqlite_schema WHERE name = 'tokens_note'")
        let pageSize = try db.integer("PRAGMA page_size")
        db.close()
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        // Garbage over the second half of the index's root page: its cells, not its header.
        try handle.seek(toOffset: UInt64((page - 1) * pageSize + pageSize / 2))
        try handle.write(contentsOf: Data(repeating: 0xFF, count: Int(pageSize / 2)))
        try handle.close()

        let result = try harness.runOnce(config(#""action": "integrity_check""#))
        #expect(result.status == .permanent)
        #expect(result.message.hasPrefix("integrity_check found"), "\(result.message)")
        let actions = try #require(try outputObject(result)["actions"] as? [[String: Any]])
        #expect(actions.first?["ok"] as? Bool == false)
        #expect((actions.first?["problems"] as? [String])?.isEmpty == false)
    }

    @Test func aFileThatIsNotADatabaseFailsTheIntegrityCheckPermanently() throws {
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        var result = try harness.runOnce(config(#""action": "integrity_check""#))
        #expect(result.status == .permanent)
        #expect(result.message == "integrity_check found 1 problem(s) in \(path); first: file is not a database")
        result = try harness.runOnce(config(#""statements": ["DELETE FROM tokens"]"#))
        #expect(result.status == .permanent)
        #expect(result.message == "statements[0]: file is not a database")
    }

    @Test func vacuumReturnsFreePagesAndReportsBothSizes() throws {
        let db = try TestDatabase(path)
        try db.execute("CREATE TABLE blobs(data BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            + "WHERE i < 200) INSERT INTO blobs SELECT randomblob(4000) FROM n; DELETE FROM blobs;")
        db.close()
        let result = try harness.runOnce(config(#""action": "vacuum""#))
        #expect(result.status == .ok, "\(result.message)")
        let action = try #require((try outputObject(result)["actions"] as? [[String: Any]])?.first)
        let before = try #require(action["bytes_before"] as? Int)
        let after = try #require(action["bytes_after"] as? Int)
        #expect(after < before)
    }

    @Test func walCheckpointReportsItsFrames() throws {
        let db = try TestDatabase(path)
        try db.execute("PRAGMA journal_mode = WAL; INSERT INTO snapshots VALUES ('a', 1), ('b', 2);")
        let result = try harness.runOnce(config(#""action": "wal_checkpoint", "checkpoint_mode": "passive""#))
        #expect(result.status == .ok, "\(result.message)")
        let action = try #require((try outputObject(result)["actions"] as? [[String: Any]])?.first)
        #expect(action["mode"] as? String == "passive")
        #expect(action["busy"] as? Bool == false)
        #expect((action["log_frames"] as? Int ?? 0) > 0)
    }

    @Test func aMissingDatabaseFailsPermanentlyUnlessCreateIsSet() throws {
        let missing = harness.scratch + "/new.sqlite"
        let body = #""statements": ["CREATE TABLE IF NOT EXISTS t(x)"]"#
        var result = try harness.runOnce(#"{"database": "\#(missing)", \#(body)}"#)
        #expect(result.status == .permanent)
        #expect(result.message == "database: cannot open \(missing): unable to open database file")
        result = try harness.runOnce(#"{"database": "\#(missing)", "create": true, \#(body)}"#)
        #expect(result.status == .ok)
        #expect(FileManager.default.fileExists(atPath: missing))
    }

    @Test(arguments: [
        (#"{"action": "vacuum"}"#, "database: required key is missing"),
        (#"{"database": "app.db", "action": "vacuum"}"#, "database: must be an absolute path"),
        (#"{"database": "/tmp/a.db"}"#, "config: give statements, script or action"),
        (#"{"database": "/tmp/a.db", "action": "shrink"}"#, "action: must be one of vacuum, analyze, optimize"),
        (#"{"database": "/tmp/a.db", "statements": ["  "]}"#, "statements[0]: must not be empty"),
        (#"{"database": "/tmp/a.db", "statements": [1]}"#, "statements[0]: must be a string"),
        (#"{"database": "/tmp/a.db", "script": "/nonexistent/x.sql"}"#, "script: cannot read /nonexistent/x.sql"),
        (#"{"database": "/tmp/a.db", "action": "vacuum", "busy_timeout": "soon"}"#, "busy_timeout: must be a duration"),
        (#"{"database": "/tmp/a.db", "action": "vacuum", "checkpoint_mode": "x"}"#, "checkpoint_mode: must be one of"),
        (#"{"database": "/tmp/a.db", "action": "vacuum", "transaction": 1}"#, "transaction: must be true or false"),
        (#"{"database": "/tmp/a.db", "action": "vacuum", "sql": "x"}"#, "sql: unknown key"),
    ])
    func badConfigIsRefusedAtCreateNamingTheKey(config: String, message: String) throws {
        let failure = try #require(harness.createFailure(config), "accepted \(config)")
        #expect(failure.status == .configError)
        #expect(failure.message.hasPrefix(message), "\(failure.message)")
    }
}
