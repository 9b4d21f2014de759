import GRDBSQLite
import HousekeeperPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed SQLite call: the primary result code and SQLite's message.
struct SQLiteFailure: Error, Sendable {
    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CORRUPT`, ...).
    var code: Int32
    /// SQLite's message.
    var message: String
}

/// What one statement did.
struct StatementOutcome: Sendable {
    /// Rows inserted, updated or deleted by it, including by triggers (0 for statements that change nothing).
    var changes: Int
    /// Result rows it returned.
    var rowCount: Int
    /// The first few result rows, as JSON values.
    var rows: [JSONValue]
}

/// Called back while waiting and executing: the stop flag, the busy timeout, and a log line when waiting starts.
final class ConnectionWatch {
    let shouldStop: () -> Bool
    let busyTimeout: Double
    let onBusy: () -> Void

    init(shouldStop: @escaping () -> Bool, busyTimeout: Double, onBusy: @escaping () -> Void) {
        self.shouldStop = shouldStop
        self.busyTimeout = busyTimeout
        self.onBusy = onBusy
    }
}

/// One connection to a database file through the SQLite C API, closed when released.
///
/// Waiting for a lock is a busy handler that sleeps 10 ms per attempt up to the busy timeout and gives up at once
/// when the host asks to stop; a progress handler interrupts long statements when it does.
final class SQLiteConnection {
    /// How many result rows per statement the output shows.
    static let shownRows = 10
    /// The interval between lock attempts, in seconds.
    static let busyStep = 0.01

    private let handle: OpaquePointer
    private let watch: Unmanaged<ConnectionWatch>

    /// Opens `path` read-write (creating it when `create` is set).
    /// - Throws: `SQLiteFailure` when it cannot be opened.
    init(path: String, create: Bool, watch: ConnectionWatch) throws(SQLiteFailure) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw SQLiteFailure(code: code & 0xFF, message: message)
        }
        handle = db
        self.watch = Unmanaged.passRetained(watch)
        let context = self.watch.toOpaque()
        sqlite3_extended_result_codes(db, 0)
        sqlite3_busy_handler(db, { context, attempts in
            let watch = Unmanaged<ConnectionWatch>.fromOpaque(context!).takeUnretainedValue()
            if watch.shouldStop() || Double(attempts) * SQLiteConnection.busyStep >= watch.busyTimeout { return 0 }
            if attempts == 0 { watch.onBusy() }
            var step = timespec(tv_sec: 0, tv_nsec: Int(SQLiteConnection.busyStep * 1e9))
            nanosleep(&step, nil)
            return 1
        }, context)
        sqlite3_progress_handler(db, 1000, { context in
            Unmanaged<ConnectionWatch>.fromOpaque(context!).takeUnretainedValue().shouldStop() ? 1 : 0
        }, context)
    }

    deinit {
        sqlite3_close_v2(handle)
        watch.release()
    }

    /// Runs every statement in `sql` in order.
    /// - Parameters:
    ///   - sql: one or more statements.
    ///   - parameters: values for named parameters (`:name`), by name without the colon.
    ///   - each: called after each statement with its text and outcome.
    /// - Throws: `SQLiteFailure`; a parameter that is not in `parameters` is reported with code `SQLITE_RANGE`.
    func execute(_ sql: String, parameters: [String: JSONValue],
                 each: (String, StatementOutcome) -> Void) throws(SQLiteFailure) {
        var bytes = Array(sql.utf8CString)
        try bytes.withUnsafeMutableBufferPointer { buffer throws(SQLiteFailure) in
            var cursor = UnsafePointer(buffer.baseAddress!)
            while cursor.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let code = sqlite3_prepare_v2(handle, cursor, -1, &statement, &tail)
                guard code == SQLITE_OK else { throw failure(code) }
                defer { sqlite3_finalize(statement) }
                let text = String(cString: sqlite3_sql(statement) ?? cursor)
                cursor = tail ?? UnsafePointer(buffer.baseAddress! + buffer.count - 1)
                guard let statement else { continue }  // whitespace or a comment
                try bind(statement, parameters)
                each(text, try step(statement))
            }
        }
    }

    private func bind(_ statement: OpaquePointer, _ parameters: [String: JSONValue]) throws(SQLiteFailure) {
        let count = sqlite3_bind_parameter_count(statement)
        guard count > 0 else { return }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for index in 1...count {
            guard let raw = sqlite3_bind_parameter_name(statement, index) else {
                throw SQLiteFailure(code: SQLITE_RANGE, message: "positional parameters (?) are not supported; "
                    + "use :\(parameters.keys.sorted().joined(separator: ", :"))")
            }
            let name = String(String(cString: raw).dropFirst())
            switch parameters[name] {
            case .string(let text)?: sqlite3_bind_text(statement, index, text, -1, transient)
            case .number(let number)? where number == number.rounded(): sqlite3_bind_int64(statement, index, Int64(number))
            case .number(let number)?: sqlite3_bind_double(statement, index, number)
            default:
                throw SQLiteFailure(code: SQLITE_RANGE, message: "unknown parameter \(String(cString: raw)) (known: :"
                    + parameters.keys.sorted().joined(separator: ", :") + ")")
            }
        }
    }

    private func step(_ statement: OpaquePointer) throws(SQLiteFailure) -> StatementOutcome {
        var outcome = StatementOutcome(changes: 0, rowCount: 0, rows: [])
        let before = sqlite3_total_changes64(handle)
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure(code) }
            outcome.rowCount += 1
            if outcome.rows.count < Self.shownRows { outcome.rows.append(row(statement)) }
        }
        // The difference in total changes, not sqlite3_changes(), which keeps the last INSERT/UPDATE/DELETE's count
        // through later statements that change nothing (a SELECT, a CREATE).
        outcome.changes = Int(sqlite3_total_changes64(handle) - before)
        return outcome
    }

    private func row(_ statement: OpaquePointer) -> JSONValue {
        var values: [JSONValue] = []
        for column in 0..<sqlite3_column_count(statement) {
            switch sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER: values.append(.number(Double(sqlite3_column_int64(statement, column))))
            case SQLITE_FLOAT: values.append(.number(sqlite3_column_double(statement, column)))
            case SQLITE_NULL: values.append(.null)
            case SQLITE_BLOB: values.append(.string("<\(sqlite3_column_bytes(statement, column)) bytes>"))
            default: values.append(.string(String(cString: sqlite3_column_text(statement, column))))
            }
        }
        return values.count == 1 ? values[0] : .array(values)
    }

    /// The rows of a query as JSON values (each a single value or an array of the columns).
    func query(_ sql: String) throws(SQLiteFailure) -> [JSONValue] {
        var rows: [JSONValue] = []
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code) }
        defer { sqlite3_finalize(statement) }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw failure(code) }
            rows.append(row(statement))
        }
    }

    /// Whether the connection is inside an explicit transaction.
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    private func failure(_ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: code & 0xFF, message: String(cString: sqlite3_errmsg(handle)))
    }
}
