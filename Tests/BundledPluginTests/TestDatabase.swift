import GRDBSQLite

/// A direct SQLite connection for setting up and inspecting test databases (and holding locks on them).
final class TestDatabase {
    private var handle: OpaquePointer?

    /// Opens (creating) `path`.
    init(_ path: String) throws {
        guard sqlite3_open(path, &handle) == SQLITE_OK else { throw HarnessError("cannot open \(path)") }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs SQL, failing the test setup on error.
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            defer { sqlite3_free(message) }
            throw HarnessError("\(sql): \(message.map { String(cString: $0) } ?? "?")")
        }
    }

    /// The first column of the first row, as an integer.
    func integer(_ sql: String) throws -> Int64 {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw HarnessError(sql) }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw HarnessError("\(sql): no row") }
        return sqlite3_column_int64(statement, 0)
    }

    /// Closes the connection now.
    func close() {
        sqlite3_close_v2(handle)
        handle = nil
    }
}
