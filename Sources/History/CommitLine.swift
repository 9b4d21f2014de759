import GRDB
import Synchronization

/// The group-commit line both history writers share (`GroupCommitter` for awaited writes, `HistoryWriter` for the
/// scheduler's queued ones): entries join a line; whoever joins an idle line starts a commit on the database's
/// writer queue, which takes everything in line at that moment and hands it to `commit` as one batch, then goes
/// on while more has queued. A thousand changes arriving within a millisecond cost a few commits, not a thousand.
///
/// `commit` runs on GRDB's serial writer queue and owns the transaction (it decides what a failure means for its
/// entries). Thread safety: `Sendable`; the line is a `Mutex`.
final class CommitLine<Entry: Sendable>: Sendable {
    private struct Line {
        var entries: [Entry] = []
        var committing = false
    }

    private let writer: any DatabaseWriter
    private let line = Mutex(Line())
    private let commit: @Sendable (Database, [Entry]) -> Void

    /// Creates a line committing through `writer`; `commit` applies one batch.
    init(writer: any DatabaseWriter, commit: @escaping @Sendable (Database, [Entry]) -> Void) {
        self.writer = writer
        self.commit = commit
    }

    /// Adds an entry; it is committed with the next batch.
    func append(_ entry: Entry) {
        let leads = line.withLock { line in
            line.entries.append(entry)
            defer { line.committing = true }
            return !line.committing
        }
        if leads { commitNext() }
    }

    private func commitNext() {
        writer.asyncWriteWithoutTransaction { db in
            let batch = self.line.withLock { line in
                defer { line.entries.removeAll(keepingCapacity: true) }
                return line.entries
            }
            self.commit(db, batch)
            let more = self.line.withLock { line in
                line.committing = !line.entries.isEmpty
                return line.committing
            }
            if more { self.commitNext() }
        }
    }
}
