import GRDB
import Synchronization

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

    private struct Line {
        var requests: [Request] = []
        var committing = false
    }

    private let writer: any DatabaseWriter
    private let line = Mutex(Line())

    /// Creates a committer writing through `writer`.
    init(writer: any DatabaseWriter) {
        self.writer = writer
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
            let leads = line.withLock { line in
                line.requests.append(request)
                defer { line.committing = true }
                return !line.committing
            }
            if leads { commitNext() }
        }
    }

    /// Commits everything in line in one transaction on the writer's queue, then goes on while more has queued.
    private func commitNext() {
        writer.asyncWriteWithoutTransaction { db in
            let batch = self.line.withLock { line in
                defer { line.requests.removeAll(keepingCapacity: true) }
                return line.requests
            }
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
            let more = self.line.withLock { line in
                line.committing = !line.requests.isEmpty
                return line.committing
            }
            if more { self.commitNext() }
        }
    }
}
