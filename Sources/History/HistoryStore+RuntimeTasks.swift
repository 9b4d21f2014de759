import GRDB

/// A task added through the API, as stored.
public struct StoredRuntimeTask: Sendable, Hashable {
    /// The task's name (also inside `definition`).
    public var name: String
    /// The definition as canonical JSON (the same keys as a task in the YAML file).
    public var definition: String
    /// When it was added (µs since the epoch).
    public var createdAt: Int64
    /// When it was last replaced (µs since the epoch).
    public var updatedAt: Int64

    /// Creates a stored task.
    public init(name: String, definition: String, createdAt: Int64, updatedAt: Int64) {
        self.name = name
        self.definition = definition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An extra run of a task asked for at a later instant, waiting for it.
public struct PlannedRun: Sendable, Hashable {
    /// Row id (the handle to cancel it).
    public var id: Int64
    /// The task.
    public var task: String
    /// When it should run (µs since the epoch).
    public var dueAt: Int64
    /// A JSON object merged into the task's `config` for this run only, if any.
    public var config: String?
    /// When it was asked for (µs since the epoch).
    public var requestedAt: Int64

    /// Creates a planned run.
    public init(id: Int64, task: String, dueAt: Int64, config: String?, requestedAt: Int64) {
        self.id = id
        self.task = task
        self.dueAt = dueAt
        self.config = config
        self.requestedAt = requestedAt
    }
}

extension HistoryStore {
    /// Every task added through the API, by name.
    public func runtimeTasks() async throws -> [StoredRuntimeTask] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runtime_task ORDER BY created_at, name").map(Self.runtimeTask)
        }
    }

    /// Adds a runtime task, or replaces the definition of the one with that name.
    public func saveRuntimeTask(name: String, definition: String, at now: Int64) async throws {
        try await writer.write { db in
            try db.execute(sql: """
                INSERT INTO runtime_task (name, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
                """, arguments: [name, definition, now, now])
        }
    }

    /// Deletes a runtime task, and the extra runs planned for it.
    /// - Returns: false when there was no such task.
    @discardableResult
    public func deleteRuntimeTask(name: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM runtime_task WHERE name = ?", arguments: [name])
            let deleted = db.changesCount > 0
            try db.execute(sql: "DELETE FROM planned_run WHERE task = ?", arguments: [name])
            return deleted
        }
    }

    /// Records an extra run to start at `dueAt`.
    /// - Returns: its id.
    public func planRun(task: String, dueAt: Int64, config: String?, at now: Int64) async throws -> Int64 {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO planned_run (task, due_at, config, requested_at) VALUES (?, ?, ?, ?)",
                arguments: [task, dueAt, config, now])
            return db.lastInsertedRowID
        }
    }

    /// Extra runs still waiting for their instant, earliest first.
    public func plannedRuns() async throws -> [PlannedRun] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM planned_run ORDER BY due_at, id").map { row in
                PlannedRun(
                    id: row["id"], task: row["task"], dueAt: row["due_at"], config: row["config"],
                    requestedAt: row["requested_at"])
            }
        }
    }

    /// Forgets a planned run (it started, or it was cancelled).
    /// - Returns: false when there was no such planned run.
    @discardableResult
    public func deletePlannedRun(id: Int64) async throws -> Bool {
        try await writer.write { db in try Self.deletePlannedRun(id: id, in: db) }
    }

    /// Deletes the planned run `id` inside `db`'s current transaction; false when there was no such row.
    @discardableResult
    static func deletePlannedRun(id: Int64, in db: Database) throws -> Bool {
        try db.execute(sql: "DELETE FROM planned_run WHERE id = ?", arguments: [id])
        return db.changesCount > 0
    }

    private static func runtimeTask(_ row: Row) -> StoredRuntimeTask {
        StoredRuntimeTask(
            name: row["name"], definition: row["definition"], createdAt: row["created_at"],
            updatedAt: row["updated_at"])
    }
}
