import Foundation
import GRDB
@testable import History
import Synchronization
import Testing

/// Migration v5: no index keyed by task first. A task's runs are a chain of `previous_id` links from its
/// `task_head`; these tests hold the chain to what an index on `(task, id)` answered, through every way a row is
/// written (the writer's multi-row statements, one at a time, another tool's plain INSERT), pruned or migrated.
/// And what a large history must not do: a prune or a listing by status that reads the whole table (v6, v7).
@Suite struct TaskChainTests {
    /// What `willMigrate` was told.
    final class Told {
        var pending: [String] = []
    }

    func row(_ id: Int64, _ task: String, at slot: Int64, _ status: RunStatus = .succeeded) -> RunRecord {
        RunRecord(
            id: id, task: task, plugin: "noop", trigger: .schedule, scheduledAt: slot, startedAt: slot,
            finishedAt: slot + 1, status: status)
    }

    /// What `RunQuery` with a task must answer: the task's rows by id, newest first, filtered.
    func expected(_ rows: [RunRecord], _ query: RunQuery) -> [Int64] {
        rows.filter { row in
            row.task == query.task && (query.statuses.isEmpty || query.statuses.contains(row.status))
                && (query.beforeID.map { row.id! < $0 } ?? true) && (query.since.map { row.scheduledAt >= $0 } ?? true)
        }.compactMap(\.id).sorted(by: >).prefix(query.limit).map { $0 }
    }

    func apply(_ changes: [HistoryWriter.Change], to store: HistoryStore) async throws -> [String] {
        try await store.writer.write { db in
            var failures: [String] = []
            var replies: [(@Sendable (Bool) -> Void, Bool)] = []
            try HistoryWriter.apply(HistoryWriter.folded(changes), in: db, replies: &replies) { failures.append($0) }
                refused: { failures.append("refused \($0.id ?? 0)") }
            return failures
        }
    }

    @Test func aTasksRunsAreListedNewestFirstThroughItsChainWhateverWroteThem() async throws {
        var store = try HistoryStore.inMemory()
        var rows: [RunRecord] = []
        // Batches through the writer: one run of each of 5 tasks a batch, and in the last batch three rows of
        // task t1 in a row (the writer cuts its statement where a task repeats).
        var id: Int64 = 1
        for second in 0..<40 {
            var batch: [RunRecord] = []
            for task in 0..<5 {
                let status: RunStatus = (second + task) % 3 == 0 ? .failed : .succeeded
                batch.append(row(id, "t\(task)", at: Int64(second) * 1_000_000, status))
                id += 1
            }
            if second == 39 {
                for extra in 1...3 {
                    batch.append(row(id, "t1", at: Int64(second) * 1_000_000 + Int64(extra), .succeeded))
                    id += 1
                }
            }
            #expect(try await apply(batch.map { .insert($0) }, to: store).isEmpty)
            rows += batch
        }
        // One at a time, and by other tools without `previous_id` while no daemon holds the history: linked
        // (oldest first) when it is next opened.
        let alone = try #require(try await store.insert(RunRecord(
            task: "t1", plugin: "noop", trigger: .manual, scheduledAt: 50_000_000, status: .queued)))
        rows.append(alone)
        try await store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO run (id, task, plugin, trigger, scheduled_at, status) VALUES (500, 't1', 'x', 'manual', 7, 'skipped');
                INSERT INTO run (task, plugin, trigger, scheduled_at, started_at, finished_at, status)
                    VALUES ('t9', 'x', 'manual', 8, 9, 10, 'succeeded');
                INSERT INTO run (id, task, plugin, trigger, scheduled_at, status) VALUES (502, 't1', 'x', 'manual', 9, 'skipped');
                """)
        }
        #expect(try await store.runs(RunQuery(task: "t1", limit: 1)).first?.id == alone.id)
        store = try HistoryStore(writer: store.writer)
        rows.append(RunRecord(id: 500, task: "t1", plugin: "x", trigger: .manual, scheduledAt: 7, status: .skipped))
        rows.append(RunRecord(
            id: 501, task: "t9", plugin: "x", trigger: .manual, scheduledAt: 8, startedAt: 9, finishedAt: 10,
            status: .succeeded))
        rows.append(RunRecord(id: 502, task: "t1", plugin: "x", trigger: .manual, scheduledAt: 9, status: .skipped))
        #expect(try await store.lastSuccesses()["t9"] == 10)

        let queries = [
            RunQuery(task: "t1", limit: 1_000), RunQuery(task: "t1", limit: 5), RunQuery(task: "t3", limit: 7),
            RunQuery(task: "t1", statuses: [.failed], limit: 4), RunQuery(task: "t2", limit: 10, beforeID: 100),
            RunQuery(task: "t2", limit: 10, beforeID: 103), RunQuery(task: "t4", since: 30_000_000),
            RunQuery(task: "t0", statuses: [.succeeded, .failed], limit: 3, beforeID: 60, since: 2_000_000),
            RunQuery(task: "nobody"), RunQuery(task: "t1", limit: 0), RunQuery(task: "t9"),
        ]
        for query in queries {
            #expect(try await store.runs(query).compactMap(\.id) == expected(rows, query), "\(query)")
        }
        // Paging through a task with the last id of each page.
        var pages: [Int64] = []
        var before: Int64?
        while true {
            let page = try await store.runs(RunQuery(task: "t1", limit: 6, beforeID: before)).compactMap(\.id)
            guard let last = page.last else { break }
            pages += page
            before = last
        }
        #expect(pages == expected(rows, RunQuery(task: "t1", limit: 1_000)))
        #expect(try await store.lastScheduledSlots() == [
            "t0": 39_000_000, "t1": 39_000_003, "t2": 39_000_000, "t3": 39_000_000, "t4": 39_000_000,
        ])
        #expect(try await store.lastRuns()["t1"]?.id == expected(rows, RunQuery(task: "t1", limit: 1_000))
            .first { id in rows.first { $0.id == id }?.startedAt != nil })
    }

    /// A row's head moves in the row's savepoint: a chunk with a taken slot moves the heads of the rows written, and
    /// a chunk whose statement fails, tried again a row at a time, moves none for the row that failed.
    @Test func onlyWrittenRowsMoveTheirTasksHeads() async throws {
        let store = try HistoryStore.inMemory()
        #expect(try await store.insert(row(1, "t3", at: 0)) != nil)
        try await store.writer.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_t5 BEFORE INSERT ON run WHEN NEW.task = 't5'
                BEGIN SELECT RAISE(ABORT, 'no t5'); END
                """)
        }
        let batch = (0..<8).map { row(Int64(10 + $0), "t\($0)", at: 0, $0 == 6 ? .failed : .succeeded) }
        let failures = try await apply(batch.map { .insert($0) }, to: store)
        #expect(failures.count == 2)
        #expect(failures.contains("refused 13"))
        #expect(failures.contains { $0.contains("no t5") })
        for task in 0..<8 {
            let listed = try await store.runs(RunQuery(task: "t\(task)")).compactMap(\.id)
            #expect(listed == (task == 3 ? [1] : task == 5 ? [] : [Int64(10 + task)]), "t\(task)")
        }
        let heads = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT task, last_id FROM task_head ORDER BY task").map {
                "\($0["task"] as String)=\($0["last_id"] as Int64)"
            }
        }
        #expect(heads == ["t0=10", "t1=11", "t2=12", "t3=1", "t4=14", "t6=16", "t7=17"])
        #expect(try await store.lastSuccesses()["t6"] == nil)
        #expect(try await store.lastSuccesses()["t7"] == 1)
    }

    /// Rows and their heads are written together or not at all: when a head cannot be moved (here a trigger refuses
    /// it; in life a full disk), the writer's whole batch fails, reported, and leaves no row out of its listing.
    @Test func aHeadThatCannotMoveFailsTheWholeBatch() async throws {
        let store = try HistoryStore.inMemory()
        try await store.writer.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_head BEFORE INSERT ON task_head WHEN NEW.task = 't4'
                BEGIN SELECT RAISE(ABORT, 'no head for t4'); END
                """)
        }
        let failures = Mutex<[(String, Int)]>([])
        let writer = HistoryWriter(store: store) { message, changes in
            failures.withLock { $0.append((message, changes)) }
        }
        for task in 0..<8 { writer.enqueue(.insert(row(Int64(10 + task), "t\(task)", at: 0))) }
        await writer.flush()
        let reported = failures.withLock { $0 }
        #expect(reported.count == 1)
        #expect(reported.first?.0.contains("could not be linked into their tasks' listings") == true)
        #expect(reported.first?.0.contains("no head for t4") == true)
        #expect(reported.first?.1 == 8)
        #expect(try await store.runs(RunQuery()).isEmpty, "no row without its head")
        for task in [0, 1, 2, 3, 5, 6, 7] { writer.enqueue(.insert(row(Int64(20 + task), "t\(task)", at: 1))) }
        await writer.flush()
        #expect(failures.withLock { $0.count } == 1)
        #expect(try await store.runs(RunQuery(task: "t5")).compactMap(\.id) == [25])
    }

    @Test func pruningUnlinksRowsSoTheKeptOnesStayListedAndTheLastSuccessStays() async throws {
        let store = try HistoryStore.inMemory()
        let day: Int64 = 86_400_000_000
        // Task a: old successes and failures alternating, then a recent run; failures are kept longer.
        var rows: [RunRecord] = []
        for index in 1...30 {
            let status: RunStatus = index % 3 == 0 ? .failed : .succeeded
            rows.append(row(Int64(index), index % 2 == 0 ? "a" : "b", at: Int64(index) * day, status))
        }
        #expect(try await apply(rows.map { .insert($0) }, to: store).isEmpty)
        func lastSuccess(of task: String) -> Int64? {
            rows.filter { $0.task == task && $0.status == .succeeded }.map { $0.finishedAt! }.max()
        }
        // Successes that ended before day 25 go, failures before day 10; every row of b ended before day 31.
        var deleted = 0
        while true {
            let batch = try await store.pruneBatch(endedBefore: 25 * day, failedEndedBefore: 10 * day, limit: 4)
            deleted += batch
            if batch < 4 { break }
        }
        let kept = rows.filter { row in row.finishedAt! >= (row.status == .failed ? 10 : 25) * day }
        #expect(deleted == rows.count - kept.count)
        for task in ["a", "b"] {
            let query = RunQuery(task: task, limit: 100)
            #expect(try await store.runs(query).compactMap(\.id) == expected(kept, query))
        }
        // b's newest row (29) was kept: its success is still known, and a's too once all of a's rows go.
        #expect(try await store.lastSuccesses()["b"] == lastSuccess(of: "b"))
        _ = try await store.pruneBatch(endedBefore: 100 * day, failedEndedBefore: 100 * day, limit: 100)
        #expect(try await store.runs(RunQuery(task: "a", limit: 100)).isEmpty)
        #expect(try await store.lastSuccesses()["a"] == lastSuccess(of: "a"))
        #expect(try await store.lastRuns().isEmpty)
        // A new row after everything was pruned starts the chain again.
        #expect(try await apply([.insert(row(31, "a", at: 31 * day))], to: store).isEmpty)
        #expect(try await store.runs(RunQuery(task: "a")).compactMap(\.id) == [31])
    }

    @Test func aLoopInAChainEditedByHandEndsTheListing() async throws {
        let store = try HistoryStore.inMemory()
        #expect(try await apply((1...3).map { .insert(row(Int64($0), "a", at: Int64($0))) }, to: store).isEmpty)
        try await store.writer.write { db in try db.execute(sql: "UPDATE run SET previous_id = 3 WHERE id = 1") }
        let listed = try await store.runs(RunQuery(task: "a", limit: 100)).compactMap(\.id)
        #expect(listed.count == 3 && listed.prefix(3) == [3, 2, 1], "\(listed)")
    }

    @Test func aTasksHeadFollowsStartsAndOutcomesWrittenLater() async throws {
        let store = try HistoryStore.inMemory()
        var queued = row(1, "a", at: 1_000, .queued)
        queued.startedAt = nil
        queued.finishedAt = nil
        #expect(try await apply([.insert(queued)], to: store).isEmpty)
        #expect(try await store.lastRuns().isEmpty, "a queued row did not call its plugin")
        #expect(try await apply([.markStarted(id: 1, at: 2_000)], to: store).isEmpty)
        #expect(try await store.lastRuns()["a"]?.id == 1)
        #expect(try await store.lastSuccesses().isEmpty)
        #expect(try await apply([.finish(id: 1, status: .succeeded, at: 3_000, error: nil, output: nil)], to: store)
            .isEmpty)
        #expect(try await store.lastSuccesses() == ["a": 3_000])
        // An older success written after a newer one does not move the time back.
        #expect(try await apply([.insert(row(2, "a", at: 500))], to: store).isEmpty)
        #expect(try await store.lastSuccesses() == ["a": 3_000])
    }

    @Test func aVersion4DatabaseIsLinkedByTheMigrationAndKeepsItsSlotsUnique() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("history.sqlite").path
        do {
            let queue = try DatabaseQueue(path: path)
            try HistoryStore.migrator.migrate(queue, upTo: "v4-runtime-tasks")
            try await queue.write { db in
                for id in 1...12 {
                    let task = id % 3 == 0 ? "c" : "d"
                    let status = id % 4 == 0 ? "failed" : "succeeded"
                    try db.execute(
                        sql: """
                            INSERT INTO run (id, task, plugin, trigger, scheduled_at, started_at, finished_at, status)
                            VALUES (?, ?, 'p', 'schedule', ?, ?, ?, ?)
                            """,
                        arguments: [id, task, id * 10, id * 10, id * 10 + 1, status])
                }
            }
        }
        let told = Told()
        let store = try HistoryStore.open(path: path) { told.pending.append(contentsOf: $0) }
        #expect(told.pending == [
            "v5-time-ordered-indexes", "v6-retry-link-index", "v7-failure-index", "v8-cheaper-row-writes",
        ])
        _ = try HistoryStore.open(path: path) { told.pending.append(contentsOf: $0) }
        let fresh = folder.appendingPathComponent("fresh.sqlite").path
        _ = try HistoryStore.open(path: fresh) { told.pending.append(contentsOf: $0) }
        #expect(told.pending.count == 4, "not told when up to date or new")
        #expect(try await store.runs(RunQuery(task: "c")).compactMap(\.id) == [12, 9, 6, 3])
        #expect(try await store.runs(RunQuery(task: "d", limit: 3)).compactMap(\.id) == [11, 10, 8])
        #expect(try await store.lastScheduledSlots() == ["c": 120, "d": 110])
        #expect(try await store.lastSuccesses() == ["c": 91, "d": 111])
        #expect(try await store.lastRuns().mapValues(\.id) == ["c": 12, "d": 11])
        // The slot index still refuses a slot taken before the migration.
        #expect(try await store.insert(RunRecord(task: "c", plugin: "p", trigger: .schedule, scheduledAt: 90, status: .queued)) == nil)
        let next = try #require(try await store.insert(
            RunRecord(task: "c", plugin: "p", trigger: .schedule, scheduledAt: 130, status: .queued)))
        #expect(try await store.runs(RunQuery(task: "c", limit: 2)).compactMap(\.id) == [next.id!, 12])
    }

    @Test func theWritersStatementJournalsStayInMemoryOnceMigrated() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try HistoryStore.open(path: folder.appendingPathComponent("history.sqlite").path)
        // 2: MEMORY (0, the default, is the compile-time choice: a file here).
        #expect(try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") } == 2)
    }

    @Test func aPruneBatchFindsWhatItChangesThroughIndexesNotAScanOfTheTable() async throws {
        let store = try HistoryStore.inMemory()
        // The statements a prune batch runs per deleted row or per batch (`pruneBatch`, the `run_unlink` trigger).
        let statements = [
            "UPDATE run SET first_run_id = NULL WHERE first_run_id IN (1, 2, 3)",
            "UPDATE run SET previous_id = 5 WHERE previous_id = 7",
            "UPDATE task_head SET last_id = 5 WHERE task = 'a' AND last_id = 7",
            """
            SELECT id FROM run WHERE finished_at IS NOT NULL AND status NOT IN ('queued', 'running')
              AND ((status IN ('failed') AND finished_at < 1) OR (status NOT IN ('failed') AND finished_at < 2))
            ORDER BY finished_at LIMIT 500
            """,
        ]
        for sql in statements {
            let plan = try await store.writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
            }
            // "SCAN run" alone reads the whole table; "SCAN run USING INDEX" walks an index in order (the oldest
            // ended rows first, up to the batch's limit).
            #expect(!plan.contains { $0.hasPrefix("SCAN") && !$0.contains("USING") }, "\(sql): \(plan)")
        }
    }

    @Test func listingsByStatusReadTheirPartialIndexNotTheWholeTable() async throws {
        let store = try HistoryStore.inMemory()
        let indexed: [Set<RunStatus>] = [
            [.running], [.queued], [.queued, .running], [.failed], [.failed, .timedOut, .crashed, .interrupted],
        ]
        for statuses in indexed {
            let plan = try await store.writer.read { db in
                let statement = try RunQuery(statuses: statuses, limit: 10).request
                    .makePreparedRequest(db, forSingleResult: false).statement
                return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement.sql, arguments: statement.arguments)
                    .map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("USING INDEX run_status") || $0.contains("USING INDEX run_failed") },
                    "\(statuses): \(plan)")
        }
        // And the rows are the same as without the index's condition.
        for (id, status) in [(1, RunStatus.running), (2, .failed), (3, .succeeded), (4, .timedOut), (5, .queued)] {
            _ = try await store.insert(RunRecord(
                id: Int64(id), task: "t\(id)", plugin: "p", trigger: .manual, scheduledAt: Int64(id), status: status))
        }
        #expect(try await store.runs(RunQuery(statuses: [.failed, .timedOut])).compactMap(\.id) == [4, 2])
        #expect(try await store.runs(RunQuery(statuses: [.running, .queued])).compactMap(\.id) == [5, 1])
        #expect(try await store.runs(RunQuery(statuses: [.running, .succeeded])).compactMap(\.id) == [3, 1])
    }

    @Test func noIndexIsKeyedByTaskFirstSoACommitWritesNoPagePerTask() async throws {
        let store = try HistoryStore.inMemory()
        let leading = try await store.writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT info.name FROM sqlite_schema AS object, pragma_index_info(object.name) AS info
                WHERE object.type = 'index' AND object.tbl_name = 'run' AND info.seqno = 0
                """)
        }
        #expect(!leading.isEmpty)
        #expect(!leading.contains("task"), "\(leading)")
    }
}
