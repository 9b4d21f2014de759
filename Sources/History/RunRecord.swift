public import GRDB

/// One row of history: a run of a task, or a decision about one of its slots (a skip).
///
/// Instants are microseconds since the Unix epoch, UTC (`Int64`), so ordering and arithmetic are exact.
public struct RunRecord: Sendable, Hashable, Codable, Identifiable {
    /// Row id (nil until inserted).
    public var id: Int64?
    /// Task name.
    public var task: String
    /// Plugin name.
    public var plugin: String
    /// Why the run happened.
    public var trigger: RunTriggerKind
    /// The nominal instant of the slot (for manual runs, when it was asked for).
    public var scheduledAt: Int64
    /// When the plugin was called, if it was.
    public var startedAt: Int64?
    /// When the run ended, if it did.
    public var finishedAt: Int64?
    /// Current status.
    public var status: RunStatus
    /// 1 for a first attempt.
    public var attempt: Int
    /// Error message (failures) or reason (skips).
    public var error: String?
    /// What the plugin reported (usually JSON).
    public var output: String?
    /// For a retry: the id of the first attempt's row.
    public var firstRunID: Int64?
    /// When the run started waiting for a slot, if it had to.
    public var queuedAt: Int64?

    /// Creates a record.
    public init(
        id: Int64? = nil, task: String, plugin: String, trigger: RunTriggerKind, scheduledAt: Int64,
        startedAt: Int64? = nil, finishedAt: Int64? = nil, status: RunStatus, attempt: Int = 1,
        error: String? = nil, output: String? = nil, firstRunID: Int64? = nil, queuedAt: Int64? = nil
    ) {
        self.firstRunID = firstRunID
        self.queuedAt = queuedAt
        self.id = id
        self.task = task
        self.plugin = plugin
        self.trigger = trigger
        self.scheduledAt = scheduledAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.attempt = attempt
        self.error = error
        self.output = output
    }
}

extension RunRecord: FetchableRecord, MutablePersistableRecord {
    /// The table name.
    public static let databaseTableName = "run"

    /// Column names are snake_case in SQL.
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    /// Column names are snake_case in SQL.
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// Coding keys; `firstRunID` is spelt so that the snake-case strategies map it to `first_run_id`.
    enum CodingKeys: String, CodingKey {
        case id, task, plugin, trigger, scheduledAt, startedAt, finishedAt, status, attempt, error, output
        case firstRunID = "firstRunId"
        case queuedAt
    }

    /// Picks up the row id after insertion.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// Columns for queries.
    public enum Columns {
        public static let id = Column("id")
        public static let task = Column("task")
        public static let status = Column("status")
        public static let scheduledAt = Column("scheduled_at")
        public static let trigger = Column("trigger")
    }
}
