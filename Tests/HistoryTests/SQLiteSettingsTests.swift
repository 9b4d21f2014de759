import CHistory
import GRDBSQLite
@testable import History
import Testing

/// SQLite's memory statistics are switched off before the process's first connection (each allocation took a
/// process-wide mutex for them). In the daemon the history store is that first connection; in this test process
/// other suites may open SQLite first, so the setting is either made or reported as too late.
@Suite struct SQLiteSettingsTests {
    @Test func memoryStatisticsAreOffWhenAStoreOpenedFirstAndTheChangeIsRefusedAfterwards() async throws {
        let store = try HistoryStore.inMemory()
        #expect([SQLITE_OK, SQLITE_MISUSE].contains(HistoryStore.memoryStatistics))
        #expect(hk_sqlite_disable_memory_statistics() == SQLITE_MISUSE, "once SQLite is in use it refuses the change")
        guard HistoryStore.memoryStatistics == SQLITE_OK else { return }
        let before = sqlite3_memory_used()
        for slot in 1...200 {
            _ = try await store.insert(RunRecord(
                task: "t", plugin: "noop", trigger: .schedule, scheduledAt: Int64(slot), status: .succeeded))
        }
        #expect(sqlite3_memory_used() == before, "SQLite counts nothing")
    }
}
