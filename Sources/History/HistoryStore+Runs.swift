import GRDB
import GRDBSQLite

extension HistoryStore {
    /// Records a new run or slot decision in a transaction of its own and returns once it is committed. For a
    /// scheduled slot that already has a row, records nothing and returns nil: the slot was already run (or
    /// decided) by this or an earlier daemon. For tools and tests; the scheduler queues its rows, starts and
    /// outcomes on a `HistoryWriter` (group commits, ids it hands out itself).
    /// - Returns: the record with its id, or nil when the slot is taken.
    public func insert(_ record: RunRecord) async throws -> RunRecord? {
        try await writer.write { db in try Self.inserted(record, in: db) }
    }

    /// Records several rows in one transaction (seeding a database); taken slots are left out of the result.
    public func insert(_ records: [RunRecord]) async throws -> [RunRecord?] {
        try await writer.write { db in try records.map { try Self.inserted($0, in: db) } }
    }

    /// Marks a queued run as started.
    public func markStarted(id: Int64, at startedAt: Int64) async throws {
        try await writer.write { db in try Self.markStarted(id: id, at: startedAt, in: db) }
    }

    /// Records how a run ended. Only rows still `queued` or `running` change: an outcome is written once.
    public func finish(
        id: Int64, status: RunStatus, at finishedAt: Int64, error: String?, output: String?
    ) async throws {
        try await writer.write { db in
            try Self.finish(id: id, status: status, at: finishedAt, error: error, output: output, in: db)
        }
    }

    // The statements behind every run-row change, the awaited ones above and `HistoryWriter`'s queued ones. Each
    // kind is one statement for any number of rows: one statement per row costs SQLite a statement run of its own
    // each time (five cursors opened and closed on the table and its indexes, the statement's end), so the writer's
    // group commits send up to `rowsPerStatement` rows a statement. Chunks are 32 rows and then the remainder's
    // powers of two, so each kind has six statements (their SQL made once, below, and cached by GRDB).

    /// Inserts `record` (with its id, or the next one when it has none) and moves its task's head to it; false when
    /// its slot already has a row.
    /// - Throws: what the insert threw (it changed nothing), or `HeadsNotMoved`.
    static func insertRow(_ record: RunRecord, in db: Database) throws -> Bool {
        try runInsert([record][...], in: db)
        guard db.changesCount == 1 else { return false }
        var inserted = record
        inserted.id = db.lastInsertedRowID
        try moveHeads(to: [inserted][...], in: db)
        return true
    }

    /// A head could not be moved to rows just inserted: the rows are in the table but not in their tasks' listings,
    /// so the transaction they are in must not commit (the writer's batch fails whole, as a failed commit does). It
    /// takes a failure that ends the transaction anyway (a full disk, an I/O error): the statement has no constraint
    /// to break. Rows and heads are not kept together with a savepoint per statement, which copied each page a
    /// chunk changed to SQLite's sub-journal first (6 % of the writer's time).
    struct HeadsNotMoved: Error, CustomStringConvertible {
        var underlying: any Error
        var description: String {
            "the new rows could not be linked into their tasks' listings (table task_head), so none of this batch "
                + "was kept: \(underlying) (check the disk and the database file; the next batches are tried as usual)"
        }
    }

    /// Inserts `record` and returns it with its id, or nil when its slot already has a row.
    private static func inserted(_ record: RunRecord, in db: Database) throws -> RunRecord? {
        guard try insertRow(record, in: db) else { return nil }
        var inserted = record
        inserted.id = db.lastInsertedRowID
        return inserted
    }

    /// Sets a queued row `running` from `startedAt`.
    static func markStarted(id: Int64, at startedAt: Int64, in db: Database) throws {
        try runMarkStarted([(id, startedAt)][...], in: db)
    }

    /// Writes a row's outcome if it is still `queued` or `running`; with `startedAt`, its start too (what
    /// `markStarted` and then this do to such a row, in one statement).
    static func finish(
        id: Int64, status: RunStatus, at finishedAt: Int64, error: String?, output: String?, startedAt: Int64? = nil,
        in db: Database
    ) throws {
        let outcome = Outcome(
            id: id, status: status, startedAt: startedAt, finishedAt: finishedAt, error: error, output: output)
        try runFinish([outcome][...], in: db)
    }

    /// The most rows one multi-row statement carries.
    static let rowsPerStatement = 32

    /// The chunk sizes `count` rows are written in: `rowsPerStatement` while that many are left, then the
    /// remainder's powers of two, largest first.
    static func chunkSizes(_ count: Int) -> [Int] {
        var sizes = Array(repeating: rowsPerStatement, count: count / rowsPerStatement)
        var remainder = count % rowsPerStatement
        var size = rowsPerStatement / 2
        while remainder > 0 {
            if remainder >= size {
                sizes.append(size)
                remainder -= size
            }
            size /= 2
        }
        return sizes
    }

    /// Each kind's SQL for every chunk size (and one row), made once: building and hashing a 416-placeholder
    /// string per statement run was work the writer repeated for every chunk.
    private static func sqlByRows(_ make: (_ rows: Int) -> String) -> [Int: String] {
        Dictionary(uniqueKeysWithValues: chunkSizes(2 * rowsPerStatement - 1).map { ($0, make($0)) })
    }

    /// `count` groups of `columns` placeholders: `(?, ?), (?, ?)`.
    private static func placeholders(rows count: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: count).joined(separator: ", ")
    }

    /// Each row's `previous_id` is its task's head as the statement starts (the rows of a statement are made
    /// before any is inserted, so a statement never holds two rows of one task: `insertRows`).
    private static let insertSQL = sqlByRows { rows in
        let row = "(" + Array(repeating: "?", count: 13).joined(separator: ", ")
            + ", (SELECT last_id FROM task_head WHERE task = ?))"
        return """
            INSERT OR IGNORE INTO run
                (id, task, plugin, trigger, scheduled_at, started_at, finished_at, status, attempt, error, output,
                 first_run_id, queued_at, previous_id)
            VALUES \(Array(repeating: row, count: rows).joined(separator: ", "))
            """
    }

    private static let finishSQL = sqlByRows { rows in
        """
        WITH outcome(id, status, started_at, finished_at, error, output) AS (
            VALUES \(placeholders(rows: rows, columns: 6)))
        UPDATE run SET status = outcome.status, started_at = COALESCE(outcome.started_at, run.started_at),
            finished_at = outcome.finished_at, error = outcome.error, output = outcome.output
        FROM outcome WHERE run.id = outcome.id AND run.status IN ('queued', 'running')
        """
    }

    private static let markStartedSQL = sqlByRows { rows in
        """
        WITH start(id, started_at) AS (VALUES \(placeholders(rows: rows, columns: 2)))
        UPDATE run SET status = 'running', started_at = start.started_at FROM start WHERE run.id = start.id
        """
    }

    /// Inserts `records` (ids set) with multi-row statements, in order (a taken slot goes to the first row
    /// that claims it, as with one statement per row). A chunk whose statement fails changed nothing (statement
    /// atomicity) and is tried again a row at a time, so one bad row costs only itself: `failed` hears of it.
    ///
    /// A statement never holds two rows of one task: each row links to its task's head as the statement starts
    /// (`insertSQL`), so a second row of the task in the same statement would link past the first. A run of rows
    /// is cut where a task repeats, and each part written in chunks (in the steady workload, one row per task a
    /// second, nothing is cut).
    /// - Returns: the rows not written because their slot already has a row.
    /// - Throws: `HeadsNotMoved` (the transaction must not commit); other failures go to `failed`, a row each.
    static func insertRows(
        _ records: ArraySlice<RunRecord>, in db: Database, failed: (RunRecord, any Error) -> Void
    ) throws(HeadsNotMoved) -> [RunRecord] {
        var refused: [RunRecord] = []
        var start = records.startIndex
        var tasks = Set<String>()
        for index in records.indices where !tasks.insert(records[index].task).inserted {
            refused += try insertDistinct(records[start..<index], in: db, failed: failed)
            start = index
            tasks = [records[index].task]
        }
        refused += try insertDistinct(records[start...], in: db, failed: failed)
        return refused
    }

    /// `insertRows` for rows of distinct tasks.
    private static func insertDistinct(
        _ records: ArraySlice<RunRecord>, in db: Database, failed: (RunRecord, any Error) -> Void
    ) throws(HeadsNotMoved) -> [RunRecord] {
        var refused: [RunRecord] = []
        func insertAlone(_ record: RunRecord) throws(HeadsNotMoved) {
            do {
                if try !insertRow(record, in: db) { refused.append(record) }
            } catch let error as HeadsNotMoved {
                throw error
            } catch {
                failed(record, error)
            }
        }
        func headsOfWritten(_ chunk: ArraySlice<RunRecord>) throws(HeadsNotMoved) {
            if db.changesCount == chunk.count { return try Self.moveHeads(to: chunk, in: db) }
            // Rare: a slot was taken. Which rows were written tells which were not.
            let ids = chunk.compactMap(\.id)
            let list = Array(repeating: "?", count: ids.count).joined(separator: ", ")
            let written: Set<Int64>
            do {
                written = try Set(Int64.fetchAll(
                    db, sql: "SELECT id FROM run WHERE id IN (\(list))", arguments: StatementArguments(ids)))
            } catch {
                throw HeadsNotMoved(underlying: error)
            }
            for record in chunk where written.contains(record.id ?? 0) {
                try Self.moveHeads(to: [record][...], in: db)
            }
            refused += chunk.filter { !written.contains($0.id ?? 0) }
        }
        try inChunks(records, chunk: { try runInsert($0, in: db) }, alone: insertAlone, written: headsOfWritten)
        return refused
    }

    /// Moves each task's head (`task_head`) to its row among `records` (rows just inserted, ids set, of distinct
    /// tasks): the newest row, and the newest slot, start and success as far as the row has them, as migration v5's
    /// `run_head_insert` trigger did for each row until v8 (`run_head_update` still does it for starts and outcomes
    /// written later). One statement for the rows of an insert statement, its values bound from the records (read
    /// back from `run`, it cost a third more: a temporary B-tree of the ids and a lookup of each).
    /// - Throws: `HeadsNotMoved`.
    static func moveHeads(to records: ArraySlice<RunRecord>, in db: Database) throws(HeadsNotMoved) {
        do {
            try execute(db.cachedStatement(sql: moveHeadsSQL[records.count]!), in: db) { values in
                bindHeads(records, to: &values)
            }
        } catch {
            throw HeadsNotMoved(underlying: error)
        }
    }

    private static func bindHeads(_ records: ArraySlice<RunRecord>, to values: inout Bindings) {
        for record in records {
            values.add(record.task)
            values.add(record.id)
            let slotted = (record.trigger == .schedule || record.trigger == .catchUp) && record.attempt == 1
            values.add(slotted ? record.scheduledAt : nil)
            values.add(record.startedAt == nil ? nil : record.id)
            values.add(record.status == .succeeded ? record.finishedAt : nil)
        }
    }

    private static let moveHeadsSQL = sqlByRows { rows in
        """
        INSERT INTO task_head (task, last_id, last_slot, last_started_id, last_success_at)
        VALUES \(placeholders(rows: rows, columns: 5))
        \(headUpsert)
        """
    }

    /// How a head takes a newer row: it becomes the task's newest row, and the newest slot, start and success are
    /// the later of the head's and the row's (as migration v5's `run_head_insert` said it, for each row).
    private static let headUpsert = """
        ON CONFLICT (task) DO UPDATE SET
            last_id = excluded.last_id,
            last_slot = COALESCE(MAX(last_slot, excluded.last_slot), last_slot, excluded.last_slot),
            last_started_id = COALESCE(MAX(last_started_id, excluded.last_started_id), last_started_id,
                                       excluded.last_started_id),
            last_success_at = COALESCE(MAX(last_success_at, excluded.last_success_at), last_success_at,
                                       excluded.last_success_at)
        """

    /// Links the rows another tool inserted (a plain INSERT, with no head moved) into their tasks' chains and moves
    /// the heads to them, as the writer's statements would have. Such rows are the ones above every head: each row
    /// this module writes becomes its task's head, and a head only moves back when its row is deleted. Another tool
    /// may write only while no daemon holds the history (`DaemonLock`: a daemon hands out the ids), so when a
    /// history is opened is when to look; a look that finds nothing is one read of `task_head` and one of the table's
    /// last page. Two statements for any number of rows (on 600,000 rows of another tool the daemon started 4-6 s
    /// after it was launched, against 0.1 s); a row the tool gave a `previous_id` keeps it.
    /// - Parameter willLink: told how many rows are about to be linked, before the work starts.
    static func linkLooseRows(in writer: any DatabaseWriter, willLink: ((Int) -> Void)? = nil) throws {
        // Heads and rows from one snapshot, here and in the write (a daemon writing meanwhile commits each row
        // with its head: only another tool's rows are above every head in any one snapshot).
        func loose(_ db: Database) throws -> (above: Int64, count: Int) {
            let above = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(last_id), 0) FROM task_head") ?? 0
            return (above, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE id > ?", arguments: [above]) ?? 0)
        }
        let count = try writer.read { db in try loose(db).count }
        guard count > 0 else { return }
        willLink?(count)
        try writer.write { db in
            let above = try loose(db).above
            try db.execute(sql: """
                WITH loose AS (
                    SELECT id, task, LAG(id) OVER (PARTITION BY task ORDER BY id) AS before FROM run WHERE id > ?)
                UPDATE run
                SET previous_id = COALESCE(loose.before, (SELECT last_id FROM task_head WHERE task = loose.task))
                FROM loose WHERE run.id = loose.id AND run.previous_id IS NULL
                """, arguments: [above])
            try db.execute(sql: """
                INSERT INTO task_head (task, last_id, last_slot, last_started_id, last_success_at)
                SELECT task, MAX(id),
                       MAX(CASE WHEN trigger IN ('schedule', 'catch-up') AND attempt = 1 THEN scheduled_at END),
                       MAX(CASE WHEN started_at IS NOT NULL THEN id END),
                       MAX(CASE WHEN status = 'succeeded' THEN finished_at END)
                FROM run WHERE id > ? GROUP BY task
                \(headUpsert)
                """, arguments: [above])
        }
    }

    /// Writes `items` a chunk at a time (`chunkSizes`) with `chunk`, one multi-row statement; a single row, and
    /// each row of a chunk whose statement failed (statement atomicity: it changed nothing), with `alone`. After a
    /// chunk's statement, `written` follows it up (the inserts move their tasks' heads). An error of `alone` or
    /// `written` ends the writing (`E`: `Never` for the updates, `HeadsNotMoved` for the inserts). `written` has no
    /// default: the Swift 6.3 compiler crashed (signal 11, SILGen) on a defaulted closure with typed throws.
    private static func inChunks<Item, E: Error>(
        _ items: ArraySlice<Item>, chunk: (ArraySlice<Item>) throws -> Void, alone: (Item) throws(E) -> Void,
        written: (ArraySlice<Item>) throws(E) -> Void
    ) throws(E) {
        var start = items.startIndex
        for size in chunkSizes(items.count) {
            let part = items[start..<(start + size)]
            start += size
            guard size > 1 else {
                for item in part { try alone(item) }
                continue
            }
            do {
                try chunk(part)
            } catch {
                for item in part { try alone(item) }
                continue
            }
            try written(part)
        }
    }

    /// An outcome for `finishRows`: the row, its final status, when it ended, and with `startedAt` when it
    /// started (a queued row's start and end written together).
    struct Outcome {
        var id: Int64
        var status: RunStatus
        var startedAt: Int64?
        var finishedAt: Int64
        var error: String?
        var output: String?
    }

    /// Writes each outcome to its row if the row is still `queued` or `running`, as `finish` does one at a time.
    /// The ids must be distinct (a row's second outcome must see its first: write it with a later call). A chunk
    /// whose statement fails is tried again a row at a time; `failed` hears of each row that fails alone.
    static func finishRows(_ outcomes: ArraySlice<Outcome>, in db: Database, failed: (Int64, any Error) -> Void) {
        func finishAlone(_ outcome: Outcome) {
            do {
                try runFinish([outcome][...], in: db)
            } catch {
                failed(outcome.id, error)
            }
        }
        inChunks(outcomes, chunk: { try runFinish($0, in: db) }, alone: finishAlone, written: { _ in })
    }

    /// Sets each queued row `running` from its start, as `markStarted` does one at a time. The ids must be
    /// distinct. A chunk whose statement fails is tried again a row at a time; `failed` hears of each row that
    /// fails alone.
    static func markStartedRows(
        _ starts: ArraySlice<(id: Int64, at: Int64)>, in db: Database, failed: (Int64, any Error) -> Void
    ) {
        func markAlone(_ start: (id: Int64, at: Int64)) {
            do {
                try runMarkStarted([start][...], in: db)
            } catch {
                failed(start.id, error)
            }
        }
        inChunks(starts, chunk: { try runMarkStarted($0, in: db) }, alone: markAlone, written: { _ in })
    }

    // One statement of each kind for `rows.count` rows (1 or a chunk size).

    private static func runInsert(_ rows: ArraySlice<RunRecord>, in db: Database) throws {
        try execute(db.cachedStatement(sql: insertSQL[rows.count]!), in: db) { values in
            for record in rows {
                values.add(record.id)
                values.add(record.task)
                values.add(record.plugin)
                values.add(record.trigger.rawValue)
                values.add(record.scheduledAt)
                values.add(record.startedAt)
                values.add(record.finishedAt)
                values.add(record.status.rawValue)
                values.add(Int64(record.attempt))
                values.add(record.error)
                values.add(record.output)
                values.add(record.firstRunID)
                values.add(record.queuedAt)
                values.add(record.task)
            }
        }
    }

    private static func runFinish(_ rows: ArraySlice<Outcome>, in db: Database) throws {
        try execute(db.cachedStatement(sql: finishSQL[rows.count]!), in: db) { values in
            for outcome in rows {
                precondition(outcome.status.isFinal, "finish needs a final status")
                values.add(outcome.id)
                values.add(outcome.status.rawValue)
                values.add(outcome.startedAt)
                values.add(outcome.finishedAt)
                values.add(outcome.error)
                values.add(outcome.output)
            }
        }
    }

    private static func runMarkStarted(_ rows: ArraySlice<(id: Int64, at: Int64)>, in db: Database) throws {
        try execute(db.cachedStatement(sql: markStartedSQL[rows.count]!), in: db) { values in
            for start in rows {
                values.add(start.id)
                values.add(start.at)
            }
        }
    }

    /// The values of a statement's parameters, bound in order through SQLite's C API.
    ///
    /// Texts are gathered into one buffer and bound from there as `SQLITE_STATIC` once they are all in
    /// (`withTextsBound`, which runs the statement while the buffer stays put): bound as `SQLITE_TRANSIENT`, SQLite
    /// made a copy of each in memory of its own, a `malloc` and a `free` at `sqlite3_clear_bindings`, about six per
    /// row (perf: 10 % of the history writer's samples in binding and clearing texts).
    fileprivate struct Bindings {
        fileprivate let statement: SQLiteStatement
        fileprivate var index: Int32 = 1
        /// The texts' UTF-8 bytes, one after another (a NUL inside a text is kept: each has its length).
        private var texts: [UInt8] = []
        /// Which parameter each text goes to, and where its bytes are in `texts`.
        private var textParameters: [(index: Int32, start: Int, count: Int)] = []

        init(statement: SQLiteStatement) {
            self.statement = statement
        }

        mutating func add(_ value: Int64?) {
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
            index += 1
        }

        mutating func add(_ value: String?) {
            defer { index += 1 }
            guard let value else {
                sqlite3_bind_null(statement, index)
                return
            }
            let start = texts.count
            texts.append(contentsOf: value.utf8)
            textParameters.append((index, start, texts.count - start))
        }

        /// Binds the texts, then runs `body` while SQLite may read them where they are: `body` must leave the
        /// statement reset with its bindings cleared.
        func withTextsBound<T>(_ body: () throws -> T) rethrows -> T {
            try texts.withUnsafeBufferPointer { bytes in
                for text in textParameters {
                    // An empty text has no bytes to point at, and a null pointer would bind NULL.
                    guard text.count > 0, let base = bytes.baseAddress else {
                        sqlite3_bind_text(statement, text.index, "", 0, Self.transient)
                        continue
                    }
                    let start = UnsafeRawPointer(base + text.start).assumingMemoryBound(to: CChar.self)
                    // SQLITE_STATIC (a null destructor): SQLite reads the text where it is.
                    sqlite3_bind_text(statement, text.index, start, Int32(text.count), nil)
                }
                return try body()
            }
        }

        /// SQLITE_TRANSIENT: SQLite copies the text.
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }

    /// Runs `statement` with the values `bind` adds, bound straight through SQLite's C API. `StatementArguments`
    /// boxes every value as a `DatabaseValue` first, which was a fifth of the history writer's time with 416
    /// values a statement. Only for the writer's own cached statements, which GRDB never runs itself.
    /// - Throws: `DatabaseError` when SQLite reports one; the statement then changed nothing.
    private static func execute(_ statement: Statement, in db: Database, bind: (inout Bindings) -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var bindings = Bindings(statement: handle)
        bind(&bindings)
        precondition(bindings.index - 1 == sqlite3_bind_parameter_count(handle), "one value per parameter")
        try bindings.withTextsBound {
            // Leaves the statement ready for its next use, reading none of the bound texts any more.
            defer {
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
            while true {
                switch sqlite3_step(handle) {
                case SQLITE_DONE:
                    return
                case SQLITE_ROW:
                    continue
                case let code:
                    let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
                }
            }
        }
    }

    /// Marks every row left `running` or `queued` by a daemon that died as `interrupted`.
    /// - Returns: how many rows changed.
    @discardableResult
    public func markInterrupted(at now: Int64, reason: String) async throws -> Int {
        try await writer.write { db in
            try db.execute(
                sql: """
                    UPDATE run SET status = 'interrupted', finished_at = ?, error = ?
                    WHERE status IN ('queued', 'running')
                    """,
                arguments: [now, reason])
            return db.changesCount
        }
    }

    /// Runs matching `query`, newest first.
    public func runs(_ query: RunQuery) async throws -> [RunRecord] {
        try await writer.read { db in
            guard let task = query.task else { return try query.request.fetchAll(db) }
            return try Self.chain(of: task, matching: query, in: db)
        }
    }

    /// A task's runs matching `query`, newest first: its chain (`previous_id`, migration v5) followed from its
    /// head, or from the row before `beforeID` when that row is the task's, one row (a primary-key lookup) at a
    /// time until `limit` rows match or the chain ends. As many rows are read as an index on `(task, id)` made
    /// SQLite read, which that index cost on every insert.
    static func chain(of task: String, matching query: RunQuery, in db: Database) throws -> [RunRecord] {
        guard query.limit > 0 else { return [] }
        let byID = try db.cachedStatement(sql: "SELECT * FROM run WHERE id = ?")
        var next: Int64?
        if let before = query.beforeID, let row = try Row.fetchOne(byID, arguments: [before]),
           row["task"] as String == task
        {
            next = row["previous_id"]
        } else {
            next = try Int64.fetchOne(db, sql: "SELECT last_id FROM task_head WHERE task = ?", arguments: [task])
        }
        let statuses = Set(query.statuses.map(\.rawValue))
        var runs: [RunRecord] = []
        // A link always goes to a row recorded earlier, so a chain has no loop; a database edited by hand might,
        // and a walk never takes more steps than the table has ids.
        var steps = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM run") ?? 0
        while let id = next, runs.count < query.limit, steps > 0 {
            steps -= 1
            guard let row = try Row.fetchOne(byID, arguments: [id]) else { break }
            next = row["previous_id"]
            if let before = query.beforeID, id >= before { continue }
            if !statuses.isEmpty, !statuses.contains(row["status"] as String) { continue }
            if let since = query.since, (row["scheduled_at"] as Int64) < since { continue }
            runs.append(try RunRecord(row: row))
        }
        return runs
    }

    /// One run by id.
    public func run(id: Int64) async throws -> RunRecord? {
        try await writer.read { db in try RunRecord.fetchOne(db, key: id) }
    }
}

/// A filter over history.
public struct RunQuery: Sendable, Hashable {
    /// Only this task.
    public var task: String?
    /// Only these statuses.
    public var statuses: Set<RunStatus>
    /// At most this many rows.
    public var limit: Int
    /// Only rows with an id below this (pagination, newest first).
    public var beforeID: Int64?
    /// Only rows whose nominal instant is at or after this (µs since the epoch).
    public var since: Int64?

    /// Creates a query.
    public init(
        task: String? = nil, statuses: Set<RunStatus> = [], limit: Int = 50, beforeID: Int64? = nil, since: Int64? = nil
    ) {
        self.task = task
        self.statuses = statuses
        self.limit = limit
        self.beforeID = beforeID
        self.since = since
    }

    /// The partial indexes on `status` and their condition, word for word as the migrations wrote it (`run_status`,
    /// v1; `run_failed`, v8; TaskChainTests checks the plans use them).
    static let statusIndexes: [(statuses: Set<RunStatus>, condition: String)] = [
        ([.queued, .running], "status IN ('queued', 'running')"),
        (Set(HistoryStore.failureStatuses),
         "(status = 'failed' OR status = 'timed_out' OR status = 'crashed' OR status = 'interrupted')"),
    ]

    /// The query over the whole table, newest first (with a task, `HistoryStore.chain` follows the task's rows
    /// instead: no index is keyed by task).
    var request: QueryInterfaceRequest<RunRecord> {
        var request = RunRecord.all()
        if let task { request = request.filter(RunRecord.Columns.task == task) }
        if !statuses.isEmpty {
            request = request.filter(statuses.map(\.rawValue).contains(RunRecord.Columns.status))
            // Also the WHERE of the partial index that holds every row with these statuses, word for word: SQLite
            // uses a partial index only for a query that repeats its condition (it does not see that `status IN
            // ('running')` implies it), and scanned the whole table otherwise (207 ms at 2 million rows).
            if let index = Self.statusIndexes.first(where: { statuses.isSubset(of: $0.statuses) }) {
                request = request.filter(sql: index.condition)
            }
        }
        if let beforeID { request = request.filter(RunRecord.Columns.id < beforeID) }
        if let since { request = request.filter(RunRecord.Columns.scheduledAt >= since) }
        return request.order(RunRecord.Columns.id.desc).limit(limit)
    }
}

extension HistoryStore {
    /// The last slot recorded for each task (scheduled and catch-up first attempts, run or decided): where the
    /// catch-up policy starts counting missed slots after a restart.
    public func lastScheduledSlots() async throws -> [String: Int64] {
        try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT task, last_slot AS slot FROM task_head WHERE last_slot IS NOT NULL")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["task"] as String, $0["slot"] as Int64) })
        }
    }

    /// Tasks paused by an operator (kept across restarts).
    public func pausedTasks() async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(db, sql: "SELECT task FROM task_state WHERE paused = 1"))
        }
    }

    /// Pauses or resumes a task, durably.
    public func setPaused(_ task: String, _ paused: Bool, at now: Int64) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO task_state (task, paused, changed_at) VALUES (?, ?, ?)
                    ON CONFLICT(task) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at
                    """,
                arguments: [task, paused, now])
        }
    }
}
