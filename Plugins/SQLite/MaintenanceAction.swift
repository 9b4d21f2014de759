import GRDBSQLite
import HousekeeperPlugin

/// A built-in maintenance action of the `sqlite` plugin.
enum MaintenanceAction: String, Sendable, CaseIterable {
    /// `VACUUM`: rebuilds the file, returning free pages to the file system.
    case vacuum
    /// `ANALYZE`: refreshes the query planner's statistics.
    case analyze
    /// `PRAGMA optimize`: the cheap, incremental form of ANALYZE SQLite recommends running periodically.
    case optimize
    /// `PRAGMA integrity_check`: fails the run with the problems found.
    case integrityCheck = "integrity_check"
    /// `PRAGMA wal_checkpoint(MODE)`: copies the write-ahead log into the database.
    case walCheckpoint = "wal_checkpoint"

    /// The checkpoint modes `wal_checkpoint` accepts.
    static let checkpointModes = ["passive", "full", "restart", "truncate"]
    /// How many integrity problems are collected at most.
    static let maxProblems = 100

    /// Runs the action.
    /// - Returns: its output, and the problems when an integrity check found some.
    func run(on connection: SQLiteConnection, checkpointMode: String) throws(SQLiteFailure) -> (JSONValue, [String]) {
        var output: [String: JSONValue] = ["action": .string(rawValue)]
        var problems: [String] = []
        switch self {
        case .vacuum:
            output["bytes_before"] = try size(connection)
            _ = try connection.query("VACUUM")
            output["bytes_after"] = try size(connection)
        case .analyze:
            _ = try connection.query("ANALYZE")
        case .optimize:
            _ = try connection.query("PRAGMA optimize")
        case .integrityCheck:
            do throws(SQLiteFailure) {
                let rows = try connection.query("PRAGMA integrity_check(\(Self.maxProblems))")
                problems = rows.compactMap { if case .string(let text) = $0, text != "ok" { text } else { nil } }
            } catch where error.code == SQLITE_CORRUPT || error.code == SQLITE_NOTADB {
                // Damage bad enough that the check itself cannot read the file is a finding, not a failed check.
                problems = [error.message]
            }
            output["ok"] = .bool(problems.isEmpty)
            output["problems"] = .array(problems.map { .string($0) })
        case .walCheckpoint:
            let rows = try connection.query("PRAGMA wal_checkpoint(\(checkpointMode.uppercased()))")
            output["mode"] = .string(checkpointMode)
            if case .array(let values)? = rows.first, values.count == 3 {
                output["busy"] = .bool(values[0] != .number(0))
                output["log_frames"] = values[1]
                output["checkpointed_frames"] = values[2]
            }
        }
        return (.object(output), problems)
    }

    /// The database size in bytes: page count times page size.
    private func size(_ connection: SQLiteConnection) throws(SQLiteFailure) -> JSONValue {
        guard case .number(let pages)? = try connection.query("PRAGMA page_count").first,
              case .number(let pageSize)? = try connection.query("PRAGMA page_size").first
        else { return .null }
        return .number(pages * pageSize)
    }
}
