import GRDB
import History
import Testing

/// Awaited writes that arrive together are applied one after another, and each caller gets exactly its own result.
@Suite struct ConcurrentWriteTests {
    func scheduled(_ task: String, at slot: Int64) -> RunRecord {
        RunRecord(task: task, plugin: "noop", trigger: .schedule, scheduledAt: slot, startedAt: slot, status: .running)
    }

    @Test func concurrentInsertsEachGetTheirOwnRowAndTakenSlotsAreRefused() async throws {
        let store = try HistoryStore.inMemory()
        // 200 distinct slots, each asked for twice at once: exactly one of each pair gets the row.
        let results = await withTaskGroup(of: (Int64, Int64?).self) { group in
            for slot in 0..<400 {
                group.addTask { (Int64(slot % 200), try? await store.insert(self.scheduled("a", at: Int64(slot % 200)))?.id) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let granted = results.filter { $0.1 != nil }
        #expect(granted.count == 200)
        #expect(Set(granted.map(\.0)).count == 200)
        #expect(Set(granted.compactMap(\.1)).count == 200)
        let rows = try await store.runs(RunQuery(task: "a", limit: 1000))
        #expect(rows.count == 200)
    }

    @Test func concurrentOutcomesAreEachWrittenOnce() async throws {
        let store = try HistoryStore.inMemory()
        var ids: [Int64] = []
        for slot in 0..<100 { ids.append(try #require(try await store.insert(scheduled("a", at: Int64(slot)))?.id)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask { try await store.finish(id: id, status: .succeeded, at: 7, error: nil, output: nil) }
                group.addTask { try await store.finish(id: id, status: .failed, at: 8, error: "late", output: nil) }
            }
            try await group.waitForAll()
        }
        let rows = try await store.runs(RunQuery(task: "a", limit: 1000))
        #expect(rows.count == 100)
        // Whichever of the two came first won; the second changed nothing.
        for row in rows {
            #expect(row.status == .succeeded ? row.finishedAt == 7 && row.error == nil
                                             : row.status == .failed && row.finishedAt == 8)
        }
    }

    @Test func aFailingWriteFailsOnlyItsCaller() async throws {
        let store = try HistoryStore.inMemory()
        // A write that fails: the writer skips the CHECKs (their values come from Swift enums), so a trigger
        // refuses task "a" instead.
        try await store.writer.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_a BEFORE INSERT ON run WHEN NEW.task = 'a' BEGIN SELECT RAISE(ABORT, 'no'); END
                """)
        }
        let bad = scheduled("a", at: 1)
        let results = await withTaskGroup(of: Bool.self) { group in
            for slot in 0..<20 {
                let record = slot == 10 ? bad : scheduled("b", at: Int64(slot))
                group.addTask { (try? await store.insert(record)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 19)
        #expect(try await store.runs(RunQuery(task: "b", limit: 100)).count == 19)
        #expect(try await store.runs(RunQuery(task: "a", limit: 100)).isEmpty)
    }
}
