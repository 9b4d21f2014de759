import GRDBSQLite
@testable import History
import Testing

/// SQLite's memory statistics are switched off before the process's first connection (each allocation took a
/// process-wide lock for them). In the daemon the history store is that first connection (the integration test reads
/// `sqlite.memory_statistics=off` in its log); in this test process other suites may open SQLite first, so here the
/// store's report is checked against what SQLite does.
@Suite struct SQLiteSettingsTests {
    @Test func theStoreSaysWhetherSQLiteCountsItsMemoryAndSQLiteDoesWhatItSays() async throws {
        let store = try HistoryStore.inMemory()
        let before = sqlite3_memory_used()
        for slot in 1...200 {
            _ = try await store.insert(RunRecord(
                task: "t", plugin: "noop", trigger: .schedule, scheduledAt: Int64(slot), status: .succeeded))
        }
        if HistoryStore.sqliteKeepsMemoryStatistics {
            #expect(HistoryStore.memoryStatistics == SQLITE_MISUSE, "only a connection opened first keeps them on")
            #expect(before > 0, "SQLite counts the memory of the open connection")
        } else {
            #expect(sqlite3_memory_used() == before && before == 0, "SQLite counts nothing")
        }
    }
}
