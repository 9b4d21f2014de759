import GRDB

/// Commits the history writes that arrive while a commit is in flight together, in one transaction.
///
/// A write per run event (a run started, a run ended) as its own transaction costs an fsync-bound 85–100 µs, and
/// the scheduler's callers wait for it one after another. Here each write joins a line; whenever the database's
/// writer is free, everything in line is applied in one transaction (a group commit), so a thousand runs ending
/// within the same millisecond cost a few commits, not a thousand. Each caller still returns only once its own
/// change is committed, with its own result, exactly as if it had written alone: a statement that fails is rolled
/// back alone (SQLite's statement-level atomicity) and fails only its caller; a commit that fails fails every
/// write in it.
///
/// Thread safety: `Sendable`; the line is a `Mutex`, and the changes run on GRDB's serial writer queue.
final class GroupCommitter: Sendable {
    /// What a queued write does once its transaction's commit succeeded or failed.
    private typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    private struct Request: Sendable {
        /// Applies the change inside the group's transaction; returns what to report once the commit is known.
        var apply: @Sendable (Database) -> Completion
        /// Reports a failure before the change could be applied (the transaction did not begin).
        var fail: Completion
    }

    private let line: CommitLine<Request>

    /// Creates a committer writing through `writer`.
    init(writer: any DatabaseWriter) {
        line = CommitLine(writer: writer) { db, batch in Self.commit(batch, in: db) }
    }

    /// Applies `change` in the next group transaction and returns its result once that transaction is committed.
    /// - Throws: the change's own error, or the transaction's when the group could not be committed.
    func write<T: Sendable>(_ change: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let request = Request(
                apply: { db in
                    let outcome = Result { try change(db) }
                    return { commit in
                        switch commit {
                        case .success: continuation.resume(with: outcome)
                        case .failure(let error): continuation.resume(throwing: error)
                        }
                    }
                },
                fail: { commit in
                    if case .failure(let error) = commit { continuation.resume(throwing: error) }
                })
            line.append(request)
        }
    }

    /// Applies a batch in one transaction, then tells each write how it ended.
    private static func commit(_ batch: [Request], in db: Database) {
        var completions: [Completion] = []
        completions.reserveCapacity(batch.count)
        let commit = Result {
            try db.inTransaction {
                for request in batch { completions.append(request.apply(db)) }
                return .commit
            }
        }
        for completion in completions { completion(commit) }
        for request in batch.dropFirst(completions.count) { request.fail(commit) }
    }
}
