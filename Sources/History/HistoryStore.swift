import CHistory
import GRDBSQLite
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
    /// - Parameter willMigrate: told the migrations an existing history is about to go through, before they run
    ///   (v5 rewrites every row once: about 10 s per million rows), so that a daemon can say why it is slow to
    ///   start. Not called for a new database or one that is up to date. Also told, after the migrations, when rows
    ///   another tool inserted are about to be linked into their tasks' listings (`linkLooseRows`).
    /// - Throws: a GRDB `DatabaseError` when the migration fails.
    public init(writer: any DatabaseWriter, willMigrate: ((_ pending: [String]) -> Void)? = nil) throws {
        self.writer = writer
        if let willMigrate {
            let migrator = Self.migrator
            let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
            let pending = migrator.migrations.filter { !applied.contains($0) }
            if !applied.isEmpty, !pending.isEmpty { willMigrate(pending) }
        }
        try Self.migrator.migrate(writer)
        try Self.linkLooseRows(in: writer) { count in
            willMigrate?(["link \(count) rows another tool inserted into their tasks' listings"])
        }
        // The writer's statement journals in memory, once migrated (a migration's statement over every row would
        // keep every page it changes there): a statement that may stop halfway (a trigger, a CHECK) keeps a copy
        // of each page it changes, and past 64 KiB SQLite spilled them to a temporary file: in the steady workload
        // 1.4 KiB of the 1.7 KiB written per run, 700 of the 800 writes a second.
        // The writer also skips the schema's CHECKs (the other connections, other tools' included, keep them): every
        // value it writes to a checked column comes from a Swift enum (`RunStatus`, `RunTriggerKind`) or is an
        // attempt counted from 1, and SQLite built a temporary B-tree from each CHECK's list of names for every
        // row written (`cheaperRowWrites`). Statements are compiled with the setting, so it comes before any.
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA temp_store = MEMORY; PRAGMA ignore_check_constraints = ON")
        }
    }

    /// Opens (creating if needed) the database at `path` in WAL mode, creating its folder.
    /// - Throws: `HistoryError` when the folder or the database cannot be created or opened.
    /// - Parameter willMigrate: as for `init(writer:willMigrate:)`.
    public static func open(
        path: String, willMigrate: ((_ pending: [String]) -> Void)? = nil
    ) throws(HistoryError) -> HistoryStore {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HistoryError(path: path, message: "cannot create the folder \(folder): \(error.localizedDescription)")
        }
        _ = memoryStatistics
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
                return try HistoryStore(writer: pool, willMigrate: willMigrate)
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
        _ = memoryStatistics
        return try HistoryStore(writer: DatabaseQueue())
    }

    /// SQLite's memory statistics are turned off before the process's first connection: each allocation and free
    /// SQLite made took a process-wide mutex for them, 5 % of the history writer's samples (perf, SQLite built with
    /// symbols; `hk_sqlite_disable_memory_statistics`). SQLITE_OK when they are off; SQLITE_MISUSE when SQLite was
    /// in use before the first store opened (then they stay on, which costs only time).
    static let memoryStatistics: Int32 = hk_sqlite_disable_memory_statistics()

    /// Whether SQLite keeps its memory statistics in this process (true only if something used SQLite before the
    /// first store opened; the daemon says which in `daemon.started`).
    public static var sqliteKeepsMemoryStatistics: Bool { memoryStatistics != SQLITE_OK }

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
        migrator.registerMigration("v5-time-ordered-indexes") { db in
            try db.execute(sql: timeOrderedIndexes)
        }
        migrator.registerMigration("v6-retry-link-index") { db in
            // The pruner unlinks retries from the first attempts it deletes (`pruneBatch`): without this index
            // each batch of 500 scanned the whole table (347 ms at 2 million rows, 0.33 ms with it). Retries are
            // few, so the index is small and a row without a first attempt is not in it.
            try db.execute(sql: "CREATE INDEX run_first_run ON run(first_run_id) WHERE first_run_id IS NOT NULL")
        }
        migrator.registerMigration("v7-failure-index") { db in
            // "Which runs failed" across all tasks (`history --status failed`, `/runs?status=failed`) read the whole
            // table: 215 ms at 2 million rows. Failures are few, so this index costs little to keep
            // (`RunQuery.statusIndexes` repeats its condition so that SQLite uses it).
            try db.execute(sql: """
                CREATE INDEX run_failed ON run(status) WHERE status IN ('failed', 'timed_out', 'crashed', 'interrupted')
                """)
        }
        migrator.registerMigration("v8-cheaper-row-writes") { db in
            try db.execute(sql: cheaperRowWrites)
        }
        return migrator
    }

    /// Migration v8: what SQLite did for every row it wrote besides writing it, found with a SQLite built with
    /// symbols and frame pointers under perf (steady workload: 1,000 rows a second).
    /// - The insert trigger (`run_head_insert`, v5) ran as a program of its own for every row, and because it
    ///   wrote `task_head`, which each row of the insert reads (its `previous_id`), SQLite copied every multi-row
    ///   INSERT's rows to a temporary table before inserting any. The statements that insert rows now move the
    ///   heads themselves (`HistoryStore.moveHeads`, in the same transaction), and rows another tool inserted are
    ///   linked when a history is opened (`linkLooseRows`).
    /// - SQLite tests `x IN (a, b, c, ...)` of more than two constants against a temporary B-tree it builds from
    ///   the list, and in a partial index's condition (and a CHECK) it builds it again for every row it writes:
    ///   `run_failed` (v7) now says the same with `=` and `OR`. (The daemon's writer skips the CHECKs, whose lists
    ///   cost the same: `HistoryStore.init`.)
    /// Together with the CHECKs skipped, a model of the steady workload's commits (Python's `sqlite3` on the same
    /// libsqlite3) went from 11.9 to 6.6 us a row (medians of six runs).
    static let cheaperRowWrites = """
        DROP TRIGGER run_head_insert;
        DROP INDEX run_failed;
        CREATE INDEX run_failed ON run(status)
            WHERE status = 'failed' OR status = 'timed_out' OR status = 'crashed' OR status = 'interrupted';
        """

    /// Migration v5: no index that is keyed by task first, so that a commit writes pages at the right edge of
    /// each index instead of one page per task.
    ///
    /// Before, `run_slot (task, scheduled_at)` and `run_task_id (task, id)` put each task's newest entries on a
    /// leaf of its own once a history held a few hundred rows per task: a commit with one run of each of 1,000
    /// tasks dirtied 2,000 index pages (8 MiB to the WAL and again to the database at the checkpoint, every
    /// second), and the cost of a row grew with the history: in the daemon (`Benchmarks/Harness/history_growth.py`)
    /// from 22 us of CPU and 3.4 KiB written per run over an empty history to 54 us and 41.6 KiB over ten minutes
    /// of it. Now:
    /// - `run_slot` is `(scheduled_at, task)`: the same uniqueness, with new slots landing at its right edge.
    /// - A task's runs are a chain: each row's `previous_id` is the id of the task's row recorded before it, and
    ///   `task_head` holds each task's newest row (`last_id`), so listing a task's runs newest first follows the
    ///   chain from its head (`RunQuery`). `run_previous` finds a row's successor, so that a pruned row is
    ///   unlinked (the `run_unlink` trigger joins its successor to its predecessor).
    /// - `task_head` also keeps what used to be a scan of the whole table per task: the newest slot recorded
    ///   (catch-up after a restart), the newest row that called its plugin (the task list) and when the task last
    ///   succeeded (staleness alerts). Triggers keep it, in the same transaction as the row, whoever writes it.
    ///
    /// `previous_id` is set by the insert itself (`HistoryStore.insertSQL` reads the head); `run_head_insert`
    /// sets it for a row inserted without it (another tool), then moves the head. Since v8 that trigger is gone
    /// (`cheaperRowWrites`): the statements that insert rows move the heads (`moveHeads`), and a row another tool
    /// inserted is linked when the history is next opened (`linkLooseRows`). Starts, outcomes and deletes still
    /// go through `run_head_update` and `run_unlink`.
    static let timeOrderedIndexes = """
        ALTER TABLE run ADD COLUMN previous_id INTEGER;
        CREATE TABLE task_head (
            task TEXT PRIMARY KEY,
            last_id INTEGER,
            last_slot INTEGER,
            last_started_id INTEGER,
            last_success_at INTEGER
        ) WITHOUT ROWID;
        WITH link AS (SELECT id, LAG(id) OVER (PARTITION BY task ORDER BY id) AS previous FROM run)
        UPDATE run SET previous_id = link.previous FROM link WHERE run.id = link.id AND link.previous IS NOT NULL;
        INSERT INTO task_head (task, last_id, last_slot, last_started_id, last_success_at)
        SELECT task, MAX(id),
               MAX(CASE WHEN trigger IN ('schedule', 'catch-up') AND attempt = 1 THEN scheduled_at END),
               MAX(CASE WHEN started_at IS NOT NULL THEN id END),
               MAX(CASE WHEN status = 'succeeded' THEN finished_at END)
        FROM run GROUP BY task;
        DROP INDEX run_slot;
        DROP INDEX run_task_id;
        CREATE UNIQUE INDEX run_slot ON run(scheduled_at, task) WHERE trigger IN ('schedule', 'catch-up') AND attempt = 1;
        CREATE INDEX run_previous ON run(previous_id) WHERE previous_id IS NOT NULL;
        CREATE TRIGGER run_head_insert AFTER INSERT ON run BEGIN
            UPDATE run SET previous_id = (SELECT last_id FROM task_head WHERE task = NEW.task)
            WHERE NEW.previous_id IS NULL AND (SELECT last_id FROM task_head WHERE task = NEW.task) IS NOT NULL
              AND id = NEW.id;
            INSERT INTO task_head (task, last_id, last_slot, last_started_id, last_success_at)
            VALUES (NEW.task, NEW.id,
                    CASE WHEN NEW.trigger IN ('schedule', 'catch-up') AND NEW.attempt = 1 THEN NEW.scheduled_at END,
                    CASE WHEN NEW.started_at IS NOT NULL THEN NEW.id END,
                    CASE WHEN NEW.status = 'succeeded' THEN NEW.finished_at END)
            ON CONFLICT (task) DO UPDATE SET
                last_id = excluded.last_id,
                last_slot = COALESCE(MAX(last_slot, excluded.last_slot), last_slot, excluded.last_slot),
                last_started_id = COALESCE(MAX(last_started_id, excluded.last_started_id), last_started_id,
                                           excluded.last_started_id),
                last_success_at = COALESCE(MAX(last_success_at, excluded.last_success_at), last_success_at,
                                           excluded.last_success_at);
        END;
        CREATE TRIGGER run_head_update AFTER UPDATE OF started_at, status ON run
        WHEN (OLD.started_at IS NULL AND NEW.started_at IS NOT NULL)
          OR (NEW.status = 'succeeded' AND OLD.status IS NOT 'succeeded')
        BEGIN
            UPDATE task_head SET
                last_started_id = CASE WHEN NEW.started_at IS NULL THEN last_started_id
                                       ELSE COALESCE(MAX(last_started_id, NEW.id), NEW.id) END,
                last_success_at = CASE WHEN NEW.status IS NOT 'succeeded' THEN last_success_at
                                       ELSE COALESCE(MAX(last_success_at, NEW.finished_at), NEW.finished_at) END
            WHERE task = NEW.task;
        END;
        CREATE TRIGGER run_unlink AFTER DELETE ON run BEGIN
            UPDATE run SET previous_id = OLD.previous_id WHERE previous_id = OLD.id;
            UPDATE task_head SET last_id = OLD.previous_id WHERE task = OLD.task AND last_id = OLD.id;
            UPDATE task_head SET last_started_id = NULL WHERE task = OLD.task AND last_started_id = OLD.id;
        END;
        """
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
