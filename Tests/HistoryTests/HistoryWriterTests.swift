import Dispatch
import GRDB
@testable import History
import Synchronization
import Testing

/// The queued writer: changes are applied in order in group transactions, nothing queued is lost by a flush, and
/// a taken slot is reported rather than written twice.
@Suite struct HistoryWriterTests {
    func row(_ id: Int64, _ task: String, at slot: Int64, _ status: RunStatus = .running) -> RunRecord {
        RunRecord(
            id: id, task: task, plugin: "noop", trigger: .schedule, scheduledAt: slot, startedAt: slot, status: status)
    }

    @Test func queuedRowsStartsAndOutcomesAreAllCommittedInOrderByFlush() async throws {
        let store = try HistoryStore.inMemory()
        let failures = Mutex<[String]>([])
        let writer = HistoryWriter(store: store) { message, _ in failures.withLock { $0.append(message) } }
        for index in 1...1_000 {
            let id = Int64(index)
            var queued = row(id, "t\(index % 10)", at: id, .queued)
            queued.startedAt = nil
            writer.enqueue(.insert(queued))
            writer.enqueue(.markStarted(id: id, at: id + 1))
            writer.enqueue(.finish(id: id, status: .succeeded, at: id + 2, error: nil, output: nil))
            // An outcome is written once: a second one for the same row changes nothing.
            writer.enqueue(.finish(id: id, status: .failed, at: id + 3, error: "late", output: nil))
        }
        await writer.flush()
        let rows = try await store.runs(RunQuery(limit: 10_000))
        #expect(rows.count == 1_000)
        #expect(rows.allSatisfy {
            $0.status == .succeeded && $0.startedAt == $0.id! + 1 && $0.finishedAt == $0.id! + 2
        })
        #expect(failures.withLock { $0 }.isEmpty)
    }

    @Test func aTakenSlotIsRefusedAndReportedNeverWrittenTwice() async throws {
        let store = try HistoryStore.inMemory()
        let failures = Mutex<[String]>([])
        let writer = HistoryWriter(store: store) { message, _ in failures.withLock { $0.append(message) } }
        #expect(await writer.insertChecked(row(10, "a", at: 5)))
        #expect(!(await writer.insertChecked(row(11, "a", at: 5))), "the unique slot index refuses the second")
        writer.enqueue(.insert(row(12, "a", at: 5)))
        await writer.flush()
        let reported = failures.withLock { $0 }
        #expect(reported.count == 1, "an unchecked row that hits a taken slot is reported")
        #expect(reported.first?.contains("task a for its slot at 1970-01-01T00:00:00.000005Z") == true, "\(reported)")
        let rows = try await store.runs(RunQuery(task: "a", limit: 10))
        #expect(rows.map(\.id) == [10])
    }

    @Test func aPlannedRunLeavesThePlanInTheCommitOfItsRowAndOnlyIfTheRowIsWritten() async throws {
        let store = try HistoryStore.inMemory()
        let writer = HistoryWriter(store: store) { _, _ in }
        let decided = try await store.planRun(task: "a", dueAt: 100, config: nil, at: 1)
        let refused = try await store.planRun(task: "b", dueAt: 100, config: nil, at: 1)
        let untouched = try await store.planRun(task: "c", dueAt: 100, config: nil, at: 1)
        var manual = row(1, "a", at: 100)
        manual.trigger = .manual
        writer.enqueue(.insert(manual, settlingPlan: decided))
        // A row that is not written (its slot has one already) leaves its plan in place, to run after a restart.
        writer.enqueue(.insert(row(2, "b", at: 100)))
        writer.enqueue(.insert(row(3, "b", at: 100), settlingPlan: refused))
        await writer.flush()
        #expect(try await store.plannedRuns().map(\.id) == [refused, untouched])
        #expect(try await store.runs(RunQuery(limit: 10)).compactMap(\.id).sorted() == [1, 2])
    }

    @Test func theNextIDIsAboveEveryIDTheTableHasHadEvenDeletedOnes() async throws {
        let store = try HistoryStore.inMemory()
        #expect(try await store.nextRunID() == 1)
        for slot in 0..<5 { _ = try await store.insert(row(0, "a", at: Int64(slot)).withoutID) }
        try await store.writer.write { db in try db.execute(sql: "DELETE FROM run WHERE id >= 4") }
        #expect(try await store.nextRunID() == 6, "ids 4 and 5 belonged to pruned rows: never handed out again")
        let writer = HistoryWriter(store: store) { _, _ in }
        writer.enqueue(.insert(row(40, "a", at: 40)))
        await writer.flush()
        #expect(try await store.nextRunID() == 41)
    }

    @Test func whenCommittedRunsAfterEverythingQueuedBeforeIt() async throws {
        let store = try HistoryStore.inMemory()
        let writer = HistoryWriter(store: store) { _, _ in }
        let seen = Mutex<Int?>(nil)
        for id in 1...50 { writer.enqueue(.insert(row(Int64(id), "a", at: Int64(id)))) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            writer.whenCommitted {
                let count = try? store.writer.unsafeReentrantRead { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run")
                }
                seen.withLock { $0 = count ?? nil }
                continuation.resume()
            }
        }
        #expect(seen.withLock { $0 } == 50)
    }

    @Test func aStartAndAnOutcomeAreFoldedIntoTheirRowsInsertOrIntoOneUpdate() {
        var queued = row(1, "a", at: 100, .queued)
        queued.startedAt = nil
        let folded = HistoryWriter.folded([
            .insert(queued),
            .markStarted(id: 1, at: 105),
            .markStarted(id: 7, at: 106),
            .finish(id: 1, status: .succeeded, at: 110, error: nil, output: "done"),
            .finish(id: 1, status: .failed, at: 120, error: "late", output: nil),
            .finish(id: 7, status: .failed, at: 121, error: "boom", output: nil),
            .markStarted(id: 8, at: 130),
        ])
        #expect(
            folded.count == 3,
            "row 1's start and outcomes join its insert; row 7 (of an earlier batch) gets one update, row 8 its start")
        guard case .insert(let record, _, _) = folded.first else {
            Issue.record("the insert comes first: \(folded)")
            return
        }
        #expect(record.status == .succeeded)
        #expect(record.startedAt == 105 && record.finishedAt == 110 && record.output == "done" && record.error == nil)
        guard case .finish(7, .failed, 121, "boom", nil, 106) = folded[1],
              case .markStarted(8, 130) = folded[2]
        else {
            Issue.record("an earlier row's start and outcome are one change, where the start stood: \(folded)")
            return
        }
    }

    @Test func changesSplitAcrossBatchesEndTheSameAsChangesFoldedInOne() async throws {
        let store = try HistoryStore.inMemory()
        let writer = HistoryWriter(store: store, gatherMicros: 0) { _, _ in }
        var queued = row(1, "a", at: 100, .queued)
        queued.startedAt = nil
        writer.enqueue(.insert(queued))
        var waiting = row(3, "a", at: 300, .queued)
        waiting.startedAt = nil
        writer.enqueue(.insert(waiting))
        await writer.flush()
        writer.enqueue(.markStarted(id: 1, at: 105))
        await writer.flush()
        // Row 3's start and outcome in one batch (one UPDATE), a late second outcome after them.
        writer.enqueue(.markStarted(id: 3, at: 305))
        writer.enqueue(.finish(id: 3, status: .succeeded, at: 310, error: nil, output: "done"))
        writer.enqueue(.finish(id: 3, status: .failed, at: 320, error: "late", output: nil))
        writer.enqueue(.finish(id: 1, status: .succeeded, at: 110, error: nil, output: "done"))
        writer.enqueue(.finish(id: 1, status: .failed, at: 120, error: "late", output: nil))
        var folded = row(2, "a", at: 200, .queued)
        folded.startedAt = nil
        writer.enqueue(.insert(folded))
        writer.enqueue(.markStarted(id: 2, at: 205))
        writer.enqueue(.finish(id: 2, status: .succeeded, at: 210, error: nil, output: "done"))
        writer.enqueue(.finish(id: 2, status: .failed, at: 220, error: "late", output: nil))
        await writer.flush()
        let rows = try await store.runs(RunQuery(task: "a", limit: 10)).sorted { $0.id! < $1.id! }
        #expect(rows.map(\.status) == [.succeeded, .succeeded, .succeeded])
        #expect(rows.map(\.startedAt) == [105, 205, 305])
        #expect(rows.map(\.finishedAt) == [110, 210, 310])
        #expect(rows.map(\.output) == ["done", "done", "done"])
        #expect(rows.map(\.error) == [nil, nil, nil])
    }
}

/// When the group-commit line starts a commit: `gather` after the entry that finds it idle, and never again for
/// entries that join a commit on its way.
@Suite struct CommitLineTests {
    @Test func theEntryThatLeadsAnIdleLineSetsTheCommitsStart() {
        var line = CommitLine<Int>.Line()
        var delays = [line.append(1, gather: 5_000)?.delay, line.append(2, gather: 5_000)?.delay]
        #expect(delays == [5_000, nil], "the window starts with the leader; a commit on its way takes 2 too")
        var batch = line.take()
        var again = line.committed(gather: 5_000) != nil
        #expect(batch == [1, 2] && !again, "nothing joined meanwhile: the line is idle again")
        delays = [line.append(3, gather: 5_000)?.delay]
        batch = line.take()
        delays.append(line.append(4, gather: 5_000)?.delay)
        again = line.committed(gather: 5_000) != nil
        #expect(delays == [5_000, nil] && batch == [3] && again, "4 joined during the commit: another, a window later")
        batch = line.take()
        again = line.committed(gather: 5_000) != nil
        #expect(batch == [4] && !again)
        delays = [line.append(5, gather: 0)?.delay]
        #expect(delays == [0], "no window: at once")
    }

    @Test func aCommitWaitingForItsWindowStartsEarlyWhenAskedAndItsTimerThenFindsItGone() throws {
        var line = CommitLine<Int>.Line()
        let idle = line.startEarly()
        #expect(!idle, "nothing in line: nothing to start")
        let firstScheduled = line.append(1, gather: 50_000)
        let first = try #require(firstScheduled)
        #expect(first.delay == 50_000)
        let early = line.startEarly()
        let timer = line.isDue(first.ticket)
        let twice = line.startEarly()
        #expect(early, "the waiting commit starts now")
        #expect(!timer, "its timer, when it fires, starts nothing")
        #expect(!twice, "a commit on its way is not started twice")
        let joined = line.append(2, gather: 5_000)
        #expect(joined == nil, "joins the commit on its way")
        let batch = line.take()
        let after = line.committed(gather: 5_000)
        #expect(batch == [1, 2] && after == nil)
        let secondScheduled = line.append(3, gather: 5_000)
        let second = try #require(secondScheduled)
        let due = line.isDue(second.ticket)
        let dueAgain = line.isDue(second.ticket)
        let earlyAgain = line.startEarly()
        #expect(second.ticket != first.ticket)
        #expect(due, "not started early: its timer starts it")
        #expect(!dueAgain && !earlyAgain, "once")
        let fourth = line.append(4, gather: 5_000)
        #expect(fourth == nil)
        let thirdScheduled = line.committed(gather: 5_000)
        let third = try #require(thirdScheduled, "4 joined during the commit: another, a window later")
        let thirdEarly = line.startEarly()
        let thirdDue = line.isDue(third.ticket)
        #expect(third.delay == 5_000 && thirdEarly && !thirdDue)
    }
}

/// `commitNow` starts a commit waiting for a long gather window at once (the scheduler, when it queues rows it held).
@Suite struct HistoryWriterCommitNowTests {
    @Test func aWaitingCommitStartsAtOnceWhenAsked() async throws {
        let store = try HistoryStore.inMemory()
        let writer = HistoryWriter(store: store, gatherMicros: 600_000_000) { message, _ in Issue.record("\(message)") }
        writer.enqueue(.insert(
            RunRecord(id: 1, task: "t", plugin: "noop", trigger: .schedule, scheduledAt: 0, status: .queued),
            settlingPlan: nil))
        writer.enqueue(.finish(id: 1, status: .succeeded, at: 5, error: nil, output: nil, startedAt: 2))
        // Without the early start the flush waits ten minutes for the window: give up on it after 30 s (a commit
        // takes milliseconds), so the test fails instead of hanging.
        let committed = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let once = Mutex<CheckedContinuation<Bool, Never>?>(continuation)
            // In line before the commit starts, so it is answered by that commit, not one a window later.
            writer.whenCommitted { once.withLock { $0.take() }?.resume(returning: true) }
            writer.commitNow()
            DispatchQueue.global().asyncAfter(deadline: .now() + 30) {
                once.withLock { $0.take() }?.resume(returning: false)
            }
        }
        #expect(committed, "the waiting commit started when asked")
        let rows = try await store.runs(RunQuery(limit: 10))
        #expect(rows.map(\.status) == [.succeeded] && rows.first?.startedAt == 2, "one row, its outcome folded in")
    }
}

/// A batch's rows, starts and outcomes go to SQLite as multi-row statements; what they write must be exactly what
/// one statement per change wrote, a bad row must cost only itself, and a taken slot is still told apart.
@Suite struct HistoryWriterMultiRowTests {
    func row(_ id: Int64, _ task: String, at slot: Int64, _ status: RunStatus = .running) -> RunRecord {
        RunRecord(
            id: id, task: task, plugin: "noop", trigger: .schedule, scheduledAt: slot, startedAt: slot, status: status)
    }

    /// Commits `changes` as one batch (a writer with no gather window takes everything queued while it is idle;
    /// here everything is applied through the same path in one transaction).
    func commitAsOneBatch(
        _ changes: [HistoryWriter.Change], to store: HistoryStore
    ) async throws -> (failures: [String], refused: [RunRecord]) {
        try await store.writer.write { db in
            var failures: [String] = []
            var refused: [RunRecord] = []
            var replies: [(@Sendable (Bool) -> Void, Bool)] = []
            try HistoryWriter.apply(HistoryWriter.folded(changes), in: db, replies: &replies) { failures.append($0) }
                refused: { refused.append($0) }
            return (failures, refused)
        }
    }

    @Test func chunksAreThirtyTwoRowsThenTheRemaindersPowersOfTwo() {
        #expect(HistoryStore.chunkSizes(0) == [])
        #expect(HistoryStore.chunkSizes(1) == [1])
        #expect(HistoryStore.chunkSizes(31) == [16, 8, 4, 2, 1])
        #expect(HistoryStore.chunkSizes(100) == [32, 32, 32, 4])
        for count in 0...300 {
            let sizes = HistoryStore.chunkSizes(count)
            #expect(sizes.reduce(0, +) == count)
            #expect(Set(sizes).isSubset(of: [32, 16, 8, 4, 2, 1]))
        }
    }

    @Test func everyRowOfABatchIsWrittenAndATakenSlotInAChunkIsTheOnlyOneRefused() async throws {
        let store = try HistoryStore.inMemory()
        _ = try await store.insert(row(1, "t42", at: 1_000))
        // 100 rows (chunks 32, 32, 32, 4); row 143 wants the slot row 1 holds, and row 170 the slot row 169
        // takes in the same statement: the first to claim a slot keeps it.
        var changes: [HistoryWriter.Change] = (101...200).map { id in
            .insert(row(id, "t\(id)", at: 1_000))
        }
        changes[42] = .insert(row(143, "t42", at: 1_000))
        changes[69] = .insert(row(170, "t169", at: 1_000))
        let (failures, refused) = try await commitAsOneBatch(changes, to: store)
        #expect(failures.isEmpty)
        #expect(refused.map(\.id) == [143, 170])
        let ids = try await store.runs(RunQuery(limit: 1_000)).compactMap(\.id).sorted()
        #expect(ids == [1] + (101...200).filter { $0 != 143 && $0 != 170 })
    }

    @Test func aRowThatFailsCostsOnlyItselfNotTheRestOfItsStatement() async throws {
        let store = try HistoryStore.inMemory()
        try await store.writer.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_inserts BEFORE INSERT ON run WHEN NEW.id = 17
                BEGIN SELECT RAISE(ABORT, 'row 17 refused'); END;
                CREATE TRIGGER refuse_updates BEFORE UPDATE ON run WHEN NEW.id = 5
                BEGIN SELECT RAISE(ABORT, 'row 5 refused'); END;
                """)
        }
        let queued: [RunRecord] = (1...40).map { id in
            var record = row(Int64(id), "t\(id)", at: 1_000, .queued)
            record.startedAt = nil
            return record
        }
        var (failures, _) = try await commitAsOneBatch(queued.map { .insert($0) }, to: store)
        #expect(failures.count == 1 && failures[0].contains("row 17 refused"))
        // Outcomes of rows 1...20 and starts of rows 21...40, each a multi-row UPDATE; row 5's fails alone.
        let outcomes: [HistoryWriter.Change] = (1...20).filter { $0 != 17 }.map { id in
            .finish(
                id: Int64(id), status: .succeeded, at: 3_000, error: nil, output: "ok", startedAt: 2_000 + Int64(id))
        }
        let starts: [HistoryWriter.Change] = (21...40).map { id in .markStarted(id: Int64(id), at: 4_000) }
        (failures, _) = try await commitAsOneBatch(outcomes + starts, to: store)
        #expect(failures.count == 1 && failures[0].contains("row 5 refused"))
        let rows = try await store.runs(RunQuery(limit: 100)).sorted { $0.id! < $1.id! }
        #expect(rows.count == 39)
        for row in rows {
            switch row.id! {
            case 5:
                #expect(row.status == .queued && row.startedAt == nil)
            case 1...20:
                #expect(row.status == .succeeded && row.startedAt == 2_000 + row.id! && row.finishedAt == 3_000)
                #expect(row.output == "ok")
            default:
                #expect(row.status == .running && row.startedAt == 4_000 && row.finishedAt == nil)
            }
        }
    }

    @Test func textIsWrittenAsGivenEmptyNonASCIIAndLong() async throws {
        let store = try HistoryStore.inMemory()
        // A statement's texts are gathered into one buffer and bound from there, long ones among short ones.
        let texts = [
            "", "ünïcødé ✓ 日本 \u{1F600}", "a \"quoted\" 'text'; DROP TABLE run", String(repeating: "xy", count: 5_000),
            String(repeating: "z", count: 70_000), "short",
        ]
        let count = texts.count
        var rows = (1...2 * count).map { id in row(Int64(id), "t\(id)", at: 1_000, .queued) }
        for (index, text) in texts.enumerated() { rows[index].error = text }
        _ = try await commitAsOneBatch(rows.map { .insert($0) }, to: store)
        let outcomes: [HistoryWriter.Change] = (count + 1...2 * count).map { id in
            .finish(id: Int64(id), status: .failed, at: 2_000, error: texts[id - count - 1], output: texts[2 * count - id])
        }
        _ = try await commitAsOneBatch(outcomes, to: store)
        let written = try await store.runs(RunQuery(limit: 20)).sorted { $0.id! < $1.id! }
        #expect(written.prefix(count).map(\.error) == texts.map(Optional.some), "inserted in one multi-row statement")
        #expect(written.suffix(count).map(\.error) == texts.map(Optional.some), "updated in one multi-row statement")
        #expect(written.suffix(count).map(\.output) == texts.reversed().map(Optional.some))
        #expect(written.prefix(count).allSatisfy { $0.output == nil }, "a nil text is NULL, not empty")
    }

    @Test func aRowsSecondOutcomeInABatchSeesItsFirstAndChangesNothing() async throws {
        let store = try HistoryStore.inMemory()
        let rows = (1...50).map { id in row(Int64(id), "t\(id)", at: 1_000) }
        _ = try await commitAsOneBatch(rows.map { .insert($0) }, to: store)
        var changes: [HistoryWriter.Change] = []
        for id in 1...50 {
            changes.append(.finish(id: Int64(id), status: .succeeded, at: 2_000, error: nil, output: nil))
            if id % 3 == 0 {
                changes.append(.finish(id: Int64(id), status: .failed, at: 3_000, error: "late", output: nil))
            }
        }
        let (failures, _) = try await commitAsOneBatch(changes, to: store)
        #expect(failures.isEmpty)
        let written = try await store.runs(RunQuery(limit: 100))
        #expect(written.count == 50)
        #expect(written.allSatisfy { $0.status == .succeeded && $0.finishedAt == 2_000 && $0.error == nil })
    }
}

extension RunRecord {
    fileprivate var withoutID: RunRecord {
        var copy = self
        copy.id = nil
        return copy
    }
}
