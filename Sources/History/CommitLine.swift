import Dispatch
import GRDB
import Synchronization

/// The group-commit line behind `HistoryWriter` (the scheduler's queued history changes): entries join a line;
/// whoever joins an idle line starts a commit on the database's writer queue, which takes everything in line at
/// that moment and hands it to `commit` as one batch, then goes on while more has queued. A thousand changes
/// arriving within a millisecond cost a few commits, not a thousand.
///
/// With a `gather` window, a commit starts that long after the first entry joined an idle line (and after a commit
/// that left entries behind), so a steady stream of entries is committed a window at a time instead of one small
/// transaction after another: each transaction rewrites the table's and indexes' touched pages to the WAL, which
/// costs the same for one row as for a hundred.
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
    private let gather: DispatchTimeInterval?

    /// Creates a line committing through `writer`; `commit` applies one batch.
    /// - Parameter gatherMicros: how long a commit waits for more entries to join (0: it starts at once).
    init(
        writer: any DatabaseWriter, gatherMicros: Int = 0,
        commit: @escaping @Sendable (Database, [Entry]) -> Void
    ) {
        self.writer = writer
        self.commit = commit
        self.gather = gatherMicros > 0 ? .microseconds(gatherMicros) : nil
    }

    /// Adds an entry; it is committed with the next batch.
    func append(_ entry: Entry) {
        let leads = line.withLock { line in
            line.entries.append(entry)
            defer { line.committing = true }
            return !line.committing
        }
        if leads { scheduleCommit() }
    }

    private func scheduleCommit() {
        guard let gather else { return commitNext() }
        DispatchQueue.global().asyncAfter(deadline: .now() + gather) { self.commitNext() }
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
            if more { self.scheduleCommit() }
        }
    }
}
