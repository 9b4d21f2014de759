public import GRDB
import Foundation

/// The run history: a SQLite database (WAL) with one row per run or slot decision.
///
/// A `Sendable` value owning the database writer, in the shape of GRDB's `AppDatabase`: named append-only
/// migrations, intention-named methods, constraints in the schema. A scheduled slot is unique on
/// `(task, scheduled_at)` for first attempts of `schedule` and `catch-up` runs, so a slot runs at most once across
/// restarts, reloads and clock steps.
public struct HistoryStore: Sendable {
    /// The database connection(s).
    public let writer: any DatabaseWriter

    /// Wraps an opened writer and migrates it to the current schema.
    /// - Throws: a GRDB `DatabaseError` when the migration fails.
    public init(writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// Opens (creating if needed) the database at `path` in WAL mode, creating its folder.
    /// - Throws: `HistoryError` when the folder or the database cannot be created or opened.
    public static func open(path: String) throws(HistoryError) -> HistoryStore {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HistoryError(path: path, message: "cannot create the folder \(folder): \(error.localizedDescription)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a commit survives a crash of this process; only power loss may lose the last ones.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Another process opening the same fresh file at the same moment (a `housekeeper history` while the daemon
        // starts) can hold the lock that switching to WAL needs (SQLite reports that at once instead of waiting),
        // or create the tables between our look and our migration: try again for a few seconds before giving up.
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                return try HistoryStore(writer: pool)
            } catch let error as DatabaseError where Self.isOpeningRace(error) && attempt < 100 {
                attempt += 1
                usleep(50_000)
            } catch {
                throw HistoryError(path: path, message: "cannot open the history database: \(error)")
            }
        }
    }

    /// Whether opening failed only because another connection was setting up the same file at that moment.
    static func isOpeningRace(_ error: DatabaseError) -> Bool {
        // SQLITE_ERROR: a migration the other connection applied between our look and ours ("table run already
        // exists", "duplicate column name"); each migration is one transaction, so the next try sees it applied.
        // A file that is not a database or is corrupt has codes of its own and fails at once.
        error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED || error.resultCode == .SQLITE_ERROR
    }

    /// An empty in-memory database, for tests.
    public static func inMemory() throws -> HistoryStore {
        try HistoryStore(writer: DatabaseQueue())
    }

    /// Named, append-only migrations. Never edit a shipped migration: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-run-table") { db in
            let statuses = RunStatus.allCases.map { "'\($0.rawValue)'" }.joined(separator: ",")
            let triggers = RunTriggerKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ",")
            try db.execute(sql: """
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    task TEXT NOT NULL,
                    plugin TEXT NOT NULL,
                    trigger TEXT NOT NULL CHECK (trigger IN (\(triggers))),
                    scheduled_at INTEGER NOT NULL,
                    started_at INTEGER,
                    finished_at INTEGER,
                    status TEXT NOT NULL CHECK (status IN (\(statuses))),
                    attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
                    error TEXT,
                    output TEXT
                );
                CREATE UNIQUE INDEX run_slot ON run(task, scheduled_at)
                    WHERE trigger IN ('schedule', 'catch-up') AND attempt = 1;
                CREATE INDEX run_task_id ON run(task, id);
                CREATE INDEX run_status ON run(status) WHERE status IN ('queued', 'running');
                """)
        }
        migrator.registerMigration("v2-policies") { db in
            try db.execute(sql: """
                ALTER TABLE run ADD COLUMN first_run_id INTEGER REFERENCES run(id);
                ALTER TABLE run ADD COLUMN queued_at INTEGER;
                CREATE TABLE task_state (
                    task TEXT PRIMARY KEY,
                    paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
                    changed_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-retention") { db in
            // The pruner deletes by age; without this index each batch would scan the whole table.
            try db.execute(sql: "CREATE INDEX run_finished_at ON run(finished_at) WHERE finished_at IS NOT NULL")
        }
        migrator.registerMigration("v4-runtime-tasks") { db in
            // Tasks added through the API (their definition as JSON, validated like YAML before it is stored),
            // and extra runs asked for later (`POST /tasks/{name}/run` with `at` or `delay`): both survive restarts.
            try db.execute(sql: """
                CREATE TABLE runtime_task (
                    name TEXT PRIMARY KEY,
                    definition TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE planned_run (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    task TEXT NOT NULL,
                    due_at INTEGER NOT NULL,
                    config TEXT,
                    requested_at INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }
}

/// A history database that could not be opened or written.
public struct HistoryError: Error, Sendable, CustomStringConvertible {
    /// The database file.
    public var path: String
    /// What went wrong.
    public var message: String
    /// Creates an error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
