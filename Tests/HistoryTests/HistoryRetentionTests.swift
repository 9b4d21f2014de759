import History
import Testing

/// Pruning by age in batches, and the queries behind alerts and the API.
@Suite struct HistoryRetentionTests {
    let store: HistoryStore
    static let day: Int64 = 86_400_000_000

    init() throws {
        store = try HistoryStore.inMemory()
    }

    /// Inserts an ended manual run of `task` that finished `daysAgo` days before `now`.
    @discardableResult
    func ended(_ task: String, _ status: RunStatus, daysAgo: Int64, now: Int64, firstRunID: Int64? = nil) async throws
        -> Int64
    {
        let at = now - daysAgo * Self.day
        let record = RunRecord(
            task: task, plugin: "stamp", trigger: .manual, scheduledAt: at, startedAt: at, finishedAt: at,
            status: status, firstRunID: firstRunID)
        return try #require(try await store.insert(record)?.id)
    }

    @Test func pruningDeletesOnlyEndedRowsPastTheirRetentionInBatches() async throws {
        let now: Int64 = 1_000 * Self.day
        for _ in 0..<7 { try await ended("old", .succeeded, daysAgo: 40, now: now) }
        try await ended("old", .skipped, daysAgo: 35, now: now)
        let oldFailure = try await ended("old", .failed, daysAgo: 40, now: now)
        let recent = try await ended("new", .succeeded, daysAgo: 1, now: now)
        let running = try #require(try await store.insert(RunRecord(
            task: "long", plugin: "stamp", trigger: .manual, scheduledAt: now - 50 * Self.day,
            startedAt: now - 50 * Self.day, status: .running))?.id)

        // 30 days for everything, 90 days for failures; batches of 3 rows.
        var batches: [Int] = []
        while true {
            let deleted = try await store.pruneBatch(
                endedBefore: now - 30 * Self.day, failedEndedBefore: now - 90 * Self.day, limit: 3)
            batches.append(deleted)
            if deleted < 3 { break }
        }
        #expect(batches == [3, 3, 2])
        #expect(try await store.pruneBatch(
            endedBefore: now - 30 * Self.day, failedEndedBefore: now - 90 * Self.day, limit: 3) == 0)
        let left = try await store.runs(RunQuery(limit: 100)).compactMap(\.id)
        #expect(Set(left) == [oldFailure, recent, running], "the failure, the recent row and the running row stay")
    }

    @Test func aRetryOutlivingItsFirstAttemptLosesOnlyTheLink() async throws {
        let now: Int64 = 1_000 * Self.day
        let first = try await ended("t", .succeeded, daysAgo: 40, now: now)
        let retry = try await ended("t", .failed, daysAgo: 39, now: now, firstRunID: first)
        let deleted = try await store.pruneBatch(
            endedBefore: now - 30 * Self.day, failedEndedBefore: now - 90 * Self.day, limit: 100)
        #expect(deleted == 1)
        let kept = try #require(try await store.run(id: retry))
        #expect(kept.firstRunID == nil)
    }

    @Test func outcomeCountsCountFailuresAmongRunsThatEndedInTheWindow() async throws {
        let now: Int64 = 1_000 * Self.day
        try await ended("a", .succeeded, daysAgo: 0, now: now)
        try await ended("a", .failed, daysAgo: 0, now: now)
        try await ended("a", .timedOut, daysAgo: 0, now: now)
        try await ended("a", .skipped, daysAgo: 0, now: now)
        try await ended("a", .failed, daysAgo: 3, now: now)
        let counts = try await store.outcomeCounts(from: now - Self.day, to: .max)
        #expect(counts == OutcomeCounts(finished: 3, failed: 2))
    }

    @Test func lastSuccessesAndLastRunsArePerTask() async throws {
        let now: Int64 = 1_000 * Self.day
        try await ended("a", .succeeded, daysAgo: 5, now: now)
        try await ended("a", .succeeded, daysAgo: 2, now: now)
        let lastA = try await ended("a", .failed, daysAgo: 1, now: now)
        try await ended("b", .failed, daysAgo: 1, now: now)
        #expect(try await store.lastSuccesses() == ["a": now - 2 * Self.day])
        let last = try await store.lastRuns()
        #expect(last["a"]?.id == lastA)
        #expect(last["b"]?.status == .failed)
        try await store.ping()
    }

    @Test func runQueryFiltersBySince() async throws {
        let now: Int64 = 1_000 * Self.day
        try await ended("a", .succeeded, daysAgo: 5, now: now)
        let recent = try await ended("a", .succeeded, daysAgo: 1, now: now)
        let rows = try await store.runs(RunQuery(since: now - 2 * Self.day))
        #expect(rows.compactMap(\.id) == [recent])
    }
}
