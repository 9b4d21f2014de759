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
    /// The line and the rule for when its commits start (kept apart from the queue so it can be tested step by
    /// step). Every method is called under the lock.
    struct Line {
        var entries: [Entry] = []
        var committing = false
        /// The ticket of the commit that is scheduled to start later and has not started: `startEarly` may start it
        /// now, and its timer then finds it gone.
        var scheduled: UInt64?
        var tickets: UInt64 = 0

        /// Adds an entry. Returns when (how long after now) and under which ticket the next commit should start when
        /// this entry leads an idle line (`gather`), nil when a commit is on its way already and will take it.
        mutating func append(_ entry: Entry, gather: Int) -> (delay: Int, ticket: UInt64)? {
            entries.append(entry)
            guard !committing else { return nil }
            committing = true
            return schedule(after: gather)
        }

        private mutating func schedule(after delay: Int) -> (delay: Int, ticket: UInt64) {
            tickets += 1
            scheduled = tickets
            return (delay, tickets)
        }

        /// When the commit scheduled under `ticket` is due: whether it starts now (false: it was started early).
        mutating func isDue(_ ticket: UInt64) -> Bool {
            guard scheduled == ticket else { return false }
            scheduled = nil
            return true
        }

        /// Whether a commit was scheduled to start later: it starts now instead.
        mutating func startEarly() -> Bool {
            guard scheduled != nil else { return false }
            scheduled = nil
            return true
        }

        /// Takes the batch a commit applies.
        mutating func take() -> [Entry] {
            defer { entries.removeAll(keepingCapacity: true) }
            return entries
        }

        /// After a commit: when another one should start for entries that joined meanwhile (`gather` later: nobody
        /// holds it), nil when the line is idle again.
        mutating func committed(gather: Int) -> (delay: Int, ticket: UInt64)? {
            committing = !entries.isEmpty
            return committing ? schedule(after: gather) : nil
        }
    }

    private let writer: any DatabaseWriter
    private let line = Mutex(Line())
    private let commit: @Sendable (Database, [Entry]) -> Void
    private let gather: Int

    /// Creates a line committing through `writer`; `commit` applies one batch.
    /// - Parameter gatherMicros: how long a commit waits for more entries to join (0: it starts at once).
    init(
        writer: any DatabaseWriter, gatherMicros: Int = 0,
        commit: @escaping @Sendable (Database, [Entry]) -> Void
    ) {
        self.writer = writer
        self.commit = commit
        self.gather = max(0, gatherMicros)
    }

    /// Adds an entry; it is committed with the next batch.
    func append(_ entry: Entry) {
        let next = line.withLock { $0.append(entry, gather: gather) }
        if let next { scheduleCommit(next) }
    }

    /// Starts the commit that waits for its gather window now, if one does (nothing is in line, or a
    /// commit has started: nothing to do).
    func startEarly() {
        if line.withLock({ $0.startEarly() }) { commitNext() }
    }

    private func scheduleCommit(_ next: (delay: Int, ticket: UInt64)) {
        let start: @Sendable () -> Void = { [self] in if line.withLock({ $0.isDue(next.ticket) }) { commitNext() } }
        guard next.delay > 0 else { return start() }
        DispatchQueue.global().asyncAfter(deadline: .now() + .microseconds(next.delay), execute: start)
    }

    private func commitNext() {
        writer.asyncWriteWithoutTransaction { db in
            let batch = self.line.withLock { $0.take() }
            self.commit(db, batch)
            if let next = self.line.withLock({ $0.committed(gather: self.gather) }) { self.scheduleCommit(next) }
        }
    }
}
