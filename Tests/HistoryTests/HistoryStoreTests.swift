import Foundation
import GRDB
import History
import Synchronization
import Testing

@Suite struct HistoryStoreTests {
    let store: HistoryStore

    init() throws {
        store = try HistoryStore.inMemory()
    }

    func scheduled(_ task: String, at slot: Int64, status: RunStatus = .running) -> RunRecord {
        RunRecord(task: task, plugin: "stamp", trigger: .schedule, scheduledAt: slot, startedAt: slot, status: status)
    }

    @Test func aScheduledSlotIsRecordedOnlyOnce() async throws {
        let first = try await store.insert(scheduled("backup", at: 1_000_000))
        let second = try await store.insert(scheduled("backup", at: 1_000_000))
        #expect(first?.id != nil)
        #expect(second == nil)
        let rows = try await store.runs(RunQuery(task: "backup"))
        #expect(rows.count == 1)
    }

    @Test func theSameInstantOfAnotherTaskIsItsOwnSlot() async throws {
        #expect(try await store.insert(scheduled("a", at: 5)) != nil)
        #expect(try await store.insert(scheduled("b", at: 5)) != nil)
    }

    @Test func manualRunsAndRetriesDoNotTakeTheSlot() async throws {
        #expect(try await store.insert(scheduled("a", at: 5)) != nil)
        var manual = scheduled("a", at: 5)
        manual.trigger = .manual
        #expect(try await store.insert(manual) != nil)
        var retry = scheduled("a", at: 5)
        retry.attempt = 2
        #expect(try await store.insert(retry) != nil)
    }

    @Test func anOutcomeIsWrittenOnce() async throws {
        let run = try #require(try await store.insert(scheduled("a", at: 1)))
        try await store.finish(id: run.id!, status: .succeeded, at: 2, error: nil, output: "{\"n\":1}")
        try await store.finish(id: run.id!, status: .failed, at: 3, error: "late", output: nil)
        let stored = try #require(try await store.run(id: run.id!))
        #expect(stored.status == .succeeded)
        #expect(stored.finishedAt == 2)
        #expect(stored.output == "{\"n\":1}")
    }

    @Test func runsLeftActiveByADeadDaemonBecomeInterrupted() async throws {
        let running = try #require(try await store.insert(scheduled("a", at: 1)))
        let queued = try #require(try await store.insert(scheduled("b", at: 1, status: .queued)))
        let done = try #require(try await store.insert(scheduled("c", at: 1, status: .running)))
        try await store.finish(id: done.id!, status: .succeeded, at: 2, error: nil, output: nil)

        let changed = try await store.markInterrupted(at: 10, reason: "daemon died")
        #expect(changed == 2)
        for id in [running.id!, queued.id!] {
            let row = try #require(try await store.run(id: id))
            #expect(row.status == .interrupted)
            #expect(row.error == "daemon died")
            #expect(row.finishedAt == 10)
        }
        #expect(try await store.run(id: done.id!)?.status == .succeeded)
    }

    @Test func queriesFilterByTaskAndStatusNewestFirst() async throws {
        for slot in 1...5 {
            let run = try #require(try await store.insert(scheduled("a", at: Int64(slot))))
            try await store.finish(
                id: run.id!, status: slot.isMultiple(of: 2) ? .failed : .succeeded, at: Int64(slot), error: nil,
                output: nil)
        }
        _ = try await store.insert(scheduled("b", at: 1))
        let failed = try await store.runs(RunQuery(task: "a", statuses: [.failed]))
        #expect(failed.map(\.scheduledAt) == [4, 2])
        let limited = try await store.runs(RunQuery(limit: 2))
        #expect(limited.count == 2)
        #expect(limited[0].task == "b")
        let page = try await store.runs(RunQuery(task: "a", limit: 2, beforeID: limited[1].id))
        #expect(page.map(\.scheduledAt) == [4, 3])
    }

    /// The daemon's writer skips the CHECKs (its values come from Swift enums, and SQLite's CHECK lists cost a
    /// temporary B-tree per row: migration v8); any other connection to the file keeps them.
    @Test func theSchemaRejectsUnknownStatusesFromAnotherToolWhileTheWriterSkipsTheChecks() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hk-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        let store = try HistoryStore.open(path: path)
        #expect(try await store.writer.write { db in try Bool.fetchOne(db, sql: "PRAGMA ignore_check_constraints") }
            == true)
        let tool = try DatabaseQueue(path: path)
        for values in ["('a', 'p', 'schedule', 1, 'bogus', 1)", "('a', 'p', 'cron', 1, 'queued', 1)",
                       "('a', 'p', 'schedule', 1, 'queued', 0)"]
        {
            #expect(throws: DatabaseError.self) {
                try tool.write { db in
                    try db.execute(sql: """
                        INSERT INTO run (task, plugin, trigger, scheduled_at, status, attempt) VALUES \(values)
                        """)
                }
            }
        }
        #expect(try await store.runs(RunQuery()).isEmpty)
    }

    @Test func aFileDatabaseUsesWALAndSurvivesReopening() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hk-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("var/state.sqlite").path
        do {
            let store = try HistoryStore.open(path: path)
            _ = try await store.insert(scheduled("a", at: 1))
            let mode = try await store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
        let reopened = try HistoryStore.open(path: path)
        #expect(try await reopened.runs(RunQuery()).count == 1)
    }
}

@Suite struct HistoryLinkTests {
    @Test func aRetryRowKeepsItsLinkToTheFirstAttemptAndItsQueueTime() async throws {
        let store = try HistoryStore.inMemory()
        let first = try #require(try await store.insert(RunRecord(
            task: "a", plugin: "p", trigger: .schedule, scheduledAt: 1, startedAt: 1, status: .failed)))
        _ = try await store.insert(RunRecord(
            task: "a", plugin: "p", trigger: .retry, scheduledAt: 2, status: .queued, attempt: 2,
            firstRunID: first.id, queuedAt: 2))
        let retry = try #require(try await store.runs(RunQuery(task: "a")).first)
        #expect(retry.firstRunID == first.id)
        #expect(retry.queuedAt == 2)
    }

    @Test func pausesPersistAndLastSlotsIgnoreManualRuns() async throws {
        let store = try HistoryStore.inMemory()
        try await store.setPaused("a", true, at: 1)
        try await store.setPaused("b", true, at: 1)
        try await store.setPaused("b", false, at: 2)
        #expect(try await store.pausedTasks() == ["a"])
        _ = try await store.insert(RunRecord(task: "a", plugin: "p", trigger: .schedule, scheduledAt: 10, status: .skipped))
        _ = try await store.insert(RunRecord(task: "a", plugin: "p", trigger: .manual, scheduledAt: 99, status: .succeeded))
        #expect(try await store.lastScheduledSlots() == ["a": 10])
    }
}

/// Two openers of one fresh file at the same moment (the daemon starting while `housekeeper history` opens the file
/// it just created, seen in CI as a daemon that failed to start): both succeed; the one that finds the other
/// switching the file to WAL waits and tries again instead of failing.
struct HistoryOpenTests {
    @Test func twoOpenersOfAFreshFileBothSucceed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hk-open-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for round in 0..<40 {
            let path = folder.appendingPathComponent("history-\(round).sqlite").path
            let failures = Mutex<[String]>([])
            let done = DispatchGroup()
            for _ in 0..<2 {
                done.enter()
                Thread {
                    do {
                        _ = try HistoryStore.open(path: path)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                    done.leave()
                }.start()
            }
            done.wait()
            #expect(failures.withLock { $0 }.isEmpty, "round \(round)")
        }
    }
}
