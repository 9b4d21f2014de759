import GRDB

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

    // The statements behind every run-row change, the awaited ones above and `HistoryWriter`'s queued ones.

    /// Inserts `record` (with its id, or the next one when it has none); false when its slot already has a row.
    static func insertRow(_ record: RunRecord, in db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO run
                (id, task, plugin, trigger, scheduled_at, started_at, finished_at, status, attempt, error, output,
                 first_run_id, queued_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
            record.id, record.task, record.plugin, record.trigger.rawValue, record.scheduledAt, record.startedAt,
            record.finishedAt, record.status.rawValue, record.attempt, record.error, record.output,
            record.firstRunID, record.queuedAt,
        ])
        return db.changesCount == 1
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
        let statement = try db.cachedStatement(sql: "UPDATE run SET status = 'running', started_at = ? WHERE id = ?")
        try statement.execute(arguments: [startedAt, id])
    }

    /// Writes a row's outcome if it is still `queued` or `running`; with `startedAt`, its start too (what
    /// `markStarted` and then this do to such a row, in one statement).
    static func finish(
        id: Int64, status: RunStatus, at finishedAt: Int64, error: String?, output: String?, startedAt: Int64? = nil,
        in db: Database
    ) throws {
        precondition(status.isFinal, "finish needs a final status")
        let statement = try db.cachedStatement(sql: """
            UPDATE run SET status = ?, started_at = COALESCE(?, started_at), finished_at = ?, error = ?, output = ?
            WHERE id = ? AND status IN ('queued', 'running')
            """)
        try statement.execute(arguments: [status.rawValue, startedAt, finishedAt, error, output, id])
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
        try await writer.read { db in try query.request.fetchAll(db) }
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

    var request: QueryInterfaceRequest<RunRecord> {
        var request = RunRecord.all()
        if let task { request = request.filter(RunRecord.Columns.task == task) }
        if !statuses.isEmpty {
            request = request.filter(statuses.map(\.rawValue).contains(RunRecord.Columns.status))
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
            let rows = try Row.fetchAll(db, sql: """
                SELECT task, MAX(scheduled_at) AS slot FROM run
                WHERE trigger IN ('schedule', 'catch-up') AND attempt = 1 GROUP BY task
                """)
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
