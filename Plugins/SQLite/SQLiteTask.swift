import GRDBSQLite
import HousekeeperPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs SQL and maintenance actions against a SQLite database file.
///
/// Config: `database` (absolute path, required), `statements` (list of SQL texts) and/or `script` (absolute path
/// of a file of SQL), `action` (one or a list of `vacuum`, `analyze`, `optimize`, `integrity_check`,
/// `wal_checkpoint`; run after the SQL), `transaction` (run the SQL in one `BEGIN IMMEDIATE` transaction, default
/// false), `busy_timeout` (how long to wait for a lock, default 5s), `checkpoint_mode` (`passive`, `full`,
/// `restart`, `truncate`; default `truncate`), `create` (create the file if missing, default false). SQL may use
/// the named parameters `:scheduled_at`, `:started_at` (Unix seconds), `:task` and `:run_id`.
struct SQLiteTask: HousekeeperTask {
    static let name = "sqlite"
    static let version = "1.0.0"
    static let summary = "Runs SQL and maintenance (vacuum, analyze, integrity_check...) on a SQLite database"

    let database: String
    let statements: [String]
    let script: String?
    let actions: [MaintenanceAction]
    let transaction: Bool
    let busyTimeout: Double
    let checkpointMode: String
    let create: Bool

    init(config: PluginConfig, context: CreateContext) throws(PluginError) {
        try config.allowOnly(["database", "statements", "script", "action", "transaction", "busy_timeout",
                              "checkpoint_mode", "create"])
        database = try config.requiredString("database")
        guard database.hasPrefix("/") else {
            throw PluginError.config(key: "database", "must be an absolute path, not \"\(database)\"")
        }
        statements = try config.stringList("statements") ?? []
        for (index, sql) in statements.enumerated() where sql.allSatisfy(\.isWhitespace) {
            throw PluginError.config(key: "statements[\(index)]", "must not be empty")
        }
        script = try config.string("script")
        if let script {
            guard script.hasPrefix("/") else {
                throw PluginError.config(key: "script", "must be an absolute path, not \"\(script)\"")
            }
            guard access(script, R_OK) == 0 else {
                throw PluginError.config(key: "script", "cannot read \(script): \(String(cString: strerror(errno)))")
            }
        }
        var actions: [MaintenanceAction] = []
        for name in try config.stringList("action") ?? [] {
            guard let action = MaintenanceAction(rawValue: name) else {
                throw PluginError.config(key: "action", "must be one of "
                    + MaintenanceAction.allCases.map(\.rawValue).joined(separator: ", ") + ", not \"\(name)\"")
            }
            actions.append(action)
        }
        self.actions = actions
        guard !statements.isEmpty || script != nil || !actions.isEmpty else {
            throw PluginError(.config, "config: give statements, script or action (nothing to do)")
        }
        transaction = try config.bool("transaction") ?? false
        busyTimeout = try config.duration("busy_timeout") ?? 5
        checkpointMode = try config.choice("checkpoint_mode", of: MaintenanceAction.checkpointModes) ?? "truncate"
        create = try config.bool("create") ?? false
    }

    func run(_ context: RunContext) throws(PluginError) {
        var statementOutputs: [JSONValue] = []
        var actionOutputs: [JSONValue] = []
        var total = 0
        func publish() {
            context.setOutput(.object([
                "database": .string(database), "transaction": .bool(transaction),
                "statements": .array(statementOutputs), "changes_total": .number(Double(total)),
                "actions": .array(actionOutputs),
            ]))
        }
        let watch = ConnectionWatch(shouldStop: { context.shouldStop }, busyTimeout: busyTimeout) {
            context.log("database is locked; waiting up to \(busyTimeout)s", level: .notice)
        }
        let connection: SQLiteConnection
        do throws(SQLiteFailure) {
            connection = try SQLiteConnection(path: database, create: create, watch: watch)
        } catch {
            throw Self.pluginError(error, subject: "database: cannot open \(database)", context)
        }
        var sources: [(key: String, sql: String)] = statements.enumerated().map { ("statements[\($0.offset)]", $0.element) }
        if let script { sources.append(("script", try Self.read(script))) }
        let parameters: [String: JSONValue] = [
            "scheduled_at": .number(Double(Self.seconds(context.scheduledAtMicroseconds))),
            "started_at": .number(Double(Self.seconds(context.startedAtMicroseconds))),
            "task": .string(context.taskName), "run_id": .string(context.runID),
        ]
        var current = "transaction"
        do throws(SQLiteFailure) {
            if transaction && !sources.isEmpty { _ = try connection.query("BEGIN IMMEDIATE") }
            for (key, sql) in sources {
                current = key
                try connection.execute(sql, parameters: parameters) { text, outcome in
                    total += outcome.changes
                    statementOutputs.append(.object([
                        "source": .string(key), "sql": .string(String(text.prefix(200))),
                        "changes": .number(Double(outcome.changes)), "rows": .number(Double(outcome.rowCount)),
                        "result": .array(outcome.rows),
                    ]))
                }
            }
            current = "transaction"
            if connection.inTransaction { _ = try connection.query("COMMIT") }
        } catch {
            if connection.inTransaction { _ = try? connection.query("ROLLBACK") }
            if transaction { total = 0 }
            publish()
            throw Self.pluginError(error, subject: current + (transaction ? " (rolled back)" : ""), context)
        }
        var problems: [String] = []
        for action in actions {
            if context.shouldStop {
                publish()
                throw PluginError.cancelled
            }
            do throws(SQLiteFailure) {
                let (output, found) = try action.run(on: connection, checkpointMode: checkpointMode)
                actionOutputs.append(output)
                problems += found
            } catch {
                publish()
                throw Self.pluginError(error, subject: "action \(action.rawValue)", context)
            }
        }
        publish()
        if let first = problems.first {
            throw PluginError(.permanent, "integrity_check found \(problems.count) problem(s) in \(database); first: \(first)")
        }
    }

    /// Maps a SQLite failure to the run's status: locks are worth retrying, corruption and missing files are not,
    /// and an interrupt caused by a stop request is a cancellation.
    private static func pluginError(_ failure: SQLiteFailure, subject: String, _ context: RunContext) -> PluginError {
        if context.shouldStop && [SQLITE_INTERRUPT, SQLITE_BUSY, SQLITE_LOCKED].contains(failure.code) {
            return PluginError.cancelled
        }
        let message = "\(subject): \(failure.message)"
        switch failure.code {
        case SQLITE_BUSY, SQLITE_LOCKED: return PluginError(.retryable, message)
        case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY: return PluginError(.permanent, message)
        case SQLITE_ERROR, SQLITE_RANGE: return PluginError(.config, message)
        default: return PluginError(.error, message)
        }
    }

    /// Reads the script file.
    private static func read(_ path: String) throws(PluginError) -> String {
        guard let file = fopen(path, "r") else {
            throw PluginError(.permanent, "script: cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func seconds(_ microseconds: Int64) -> Int64 {
        microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
    }
}
