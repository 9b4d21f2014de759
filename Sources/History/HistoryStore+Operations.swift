import GRDB

/// How many runs ended, and how many of them failed, in a window (the error-rate alert).
public struct OutcomeCounts: Sendable, Hashable {
    /// Runs that called their plugin and ended (skips and cancellations are not counted).
    public var finished: Int
    /// Of those, the ones that failed, timed out or crashed.
    public var failed: Int

    /// Creates counts.
    public init(finished: Int, failed: Int) {
        self.finished = finished
        self.failed = failed
    }
}

extension HistoryStore {
    /// Statuses that count as failures for the error rate and for `history_keep_failed`.
    public static let failureStatuses: [RunStatus] = [.failed, .timedOut, .crashed, .interrupted]

    /// Runs one trivial read: throws when the database cannot be read (`/ready`).
    public func ping() async throws {
        _ = try await writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// The newest row of each task that called its plugin (running or ended), by task (`task_head`; a task whose
    /// newest such row was pruned is left out).
    public func lastRuns() async throws -> [String: RunRecord] {
        try await writer.read { db in
            let rows = try RunRecord.fetchAll(db, sql: """
                SELECT run.* FROM task_head JOIN run ON run.id = task_head.last_started_id
                """)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0.task, $0) })
        }
    }

    /// When each task last succeeded (`finished_at`, µs since the epoch), by task (`task_head`: kept when
    /// retention prunes that row).
    public func lastSuccesses() async throws -> [String: Int64] {
        try await writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT task, last_success_at AS at FROM task_head WHERE last_success_at IS NOT NULL
                """)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["task"] as String, $0["at"] as Int64) })
        }
    }

    /// Counts the runs that ended in `from..<to` (µs since the epoch), and the failed ones among them: one row read
    /// per run (`run_finished_at`), so the error-rate alert counts each check's new slice of time only
    /// (`OutcomeSlices`).
    public func outcomeCounts(from: Int64, to: Int64) async throws -> OutcomeCounts {
        let failures = Self.failureStatuses.filter { $0 != .interrupted }.map { "'\($0.rawValue)'" }
            .joined(separator: ",")
        return try await writer.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS finished, COALESCE(SUM(status IN (\(failures))), 0) AS failed FROM run
                WHERE finished_at >= ? AND finished_at < ? AND started_at IS NOT NULL
                  AND status IN ('succeeded', \(failures))
                """, arguments: [from, to])
            return OutcomeCounts(finished: row?["finished"] ?? 0, failed: row?["failed"] ?? 0)
        }
    }

    /// Deletes at most `limit` ended rows older than the cutoffs, in one short transaction, so runs recording
    /// their outcomes wait for one batch at most.
    ///
    /// Rows still queued or running are never deleted. A retry that outlives its first attempt loses its link
    /// (`first_run_id` becomes null) rather than blocking the delete.
    /// - Parameters:
    ///   - endedBefore: rows that ended before this instant are deleted (µs since the epoch).
    ///   - failedEndedBefore: the cutoff for failed, timed-out, crashed and interrupted rows.
    /// - Returns: how many rows were deleted (less than `limit` means nothing is left to prune).
    public func pruneBatch(endedBefore: Int64, failedEndedBefore: Int64, limit: Int) async throws -> Int {
        let failures = Self.failureStatuses.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try await writer.write { db in
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM run
                WHERE finished_at IS NOT NULL AND status NOT IN ('queued', 'running')
                  AND ((status IN (\(failures)) AND finished_at < ?)
                    OR (status NOT IN (\(failures)) AND finished_at < ?))
                ORDER BY finished_at LIMIT ?
                """, arguments: [failedEndedBefore, endedBefore, limit])
            guard !ids.isEmpty else { return 0 }
            let list = ids.map(String.init).joined(separator: ",")
            try db.execute(sql: "UPDATE run SET first_run_id = NULL WHERE first_run_id IN (\(list))")
            try db.execute(sql: "DELETE FROM run WHERE id IN (\(list))")
            return db.changesCount
        }
    }
}
