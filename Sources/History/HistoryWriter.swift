import GRDB
import Synchronization

/// Writes the scheduler's per-run changes (a row, a start, an outcome) without making the scheduler wait: each
/// change joins a line, and the line is committed in one transaction on the database's writer queue a gather
/// window (5 ms) after the first change joined it (a group commit), so a thousand runs ending within a millisecond
/// cost one commit and no awaits on the dispatch path. Inside the commit, runs of rows, starts and outcomes go to
/// SQLite as multi-row statements (`apply`).
///
/// Row ids are chosen by the caller (`HistoryStore.nextRunID()` once at start-up, then counting up): one daemon
/// owns a database (`DaemonLock`), so nobody else takes ids meanwhile. Changes are applied in the order they were
/// queued, so a run's outcome always follows its row. A change that fails (a full disk, a slot already recorded
/// by the unique index) is reported to `onFailure` and leaves the others alone; a commit that fails reports every
/// change in it.
///
/// Lifecycle: whoever queues changes must call `flush()` before it stops (the scheduler does so before its `run()`
/// returns), so nothing queued is lost at shutdown.
///
/// Thread safety: `Sendable`; the line is a `Mutex`, and the changes run on GRDB's serial writer queue.
public final class HistoryWriter: Sendable {
    /// One change to the `run` table.
    public enum Change: Sendable {
        /// A new row with its id set. `reply` (if any) learns whether it was written (false: its slot was taken).
        /// `settlingPlan`: the row decides a planned run (`planned_run` row of that id), which is deleted with it,
        /// in the same transaction and only if the row is written: after a crash the run is either in history or
        /// still planned.
        case insert(RunRecord, reply: (@Sendable (Bool) -> Void)? = nil, settlingPlan: Int64? = nil)
        /// A queued run started.
        case markStarted(id: Int64, at: Int64)
        /// A run or queued run ended; only rows still `queued` or `running` change. With `startedAt`, the row's
        /// start is written in the same statement (what `folded` makes of a queued row's start and outcome that
        /// fall in one batch).
        case finish(id: Int64, status: RunStatus, at: Int64, error: String?, output: String?, startedAt: Int64? = nil)
    }

    private enum Entry: Sendable {
        case change(Change)
        /// Called once every change queued before it is committed (or failed).
        case committed(@Sendable () -> Void)
    }

    private let line: CommitLine<Entry>
    /// How long a commit waits for more changes to join it.
    public let gatherMicros: Int
    /// Changes queued and not yet committed (or failed).
    private let unwritten = Counter()

    /// A count shared with the commit closure.
    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Creates a writer for `store`'s database.
    /// - Parameter onFailure: told what failed and how many changes were lost with it (for the log); called on
    ///   the writer's queue.
    /// - Parameter gatherMicros: how long a commit waits for more changes to join it (`CommitLine`). Within one
    ///   batch a run's start and outcome are folded into its new row, so a run that starts and ends inside the
    ///   window costs one INSERT instead of an INSERT and two UPDATEs. It is also how long a change can sit in
    ///   memory before its commit starts (lost if the process is killed meanwhile).
    public init(
        store: HistoryStore, gatherMicros: Int = HistoryWriter.defaultGatherMicros,
        onFailure: @escaping @Sendable (_ message: String, _ changes: Int) -> Void
    ) {
        self.gatherMicros = gatherMicros
        line = CommitLine(writer: store.writer, gatherMicros: gatherMicros) { [unwritten] db, batch in
            Self.commit(batch, in: db, onFailure: onFailure, unwritten: unwritten)
        }
    }

    /// The default gather window: 5 ms.
    public static let defaultGatherMicros = 5_000

    /// How many queued changes are not committed (or failed) yet: 0 once `flush()` returned and nothing was queued
    /// since.
    var pendingChanges: Int { unwritten.value.load(ordering: .acquiring) }

    /// Queues a change; returns at once.
    public func enqueue(_ change: Change) {
        append(.change(change))
    }

    /// Starts the commit that waits for its gather window now, if one does: the scheduler, when it queues the rows of
    /// a released instant, which it held until they were complete (`Scheduler.releasedRowsWait`): nothing else is
    /// worth waiting for then.
    public func commitNow() {
        line.startEarly()
    }

    /// Calls `body` (on the writer's queue) once every change queued before this call is committed or failed.
    public func whenCommitted(_ body: @escaping @Sendable () -> Void) {
        append(.committed(body))
    }

    /// Returns once every change queued before this call is committed or failed.
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            whenCommitted { continuation.resume() }
        }
    }

    /// Writes a new row and returns whether it was written: false when its slot already has a row (the unique
    /// slot index). Waits for the commit; for the rare rows whose slot may be taken.
    /// - Parameter settlingPlan: as for `Change.insert`.
    public func insertChecked(_ record: RunRecord, settlingPlan: Int64? = nil) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            enqueue(.insert(record, reply: { continuation.resume(returning: $0) }, settlingPlan: settlingPlan))
        }
    }

    private func append(_ entry: Entry) {
        if case .change = entry { unwritten.value.add(1, ordering: .relaxed) }
        line.append(entry)
    }

    /// Applies a batch in one transaction (a failing change alone is rolled back), then answers its replies and
    /// `whenCommitted` callbacks in order.
    private static func commit(
        _ batch: [Entry], in db: Database, onFailure: @Sendable (_ message: String, _ changes: Int) -> Void,
        unwritten: Counter
    ) {
        let changes = batch.count { if case .change = $0 { true } else { false } }
        var replies: [(@Sendable (Bool) -> Void, Bool)] = []
        var failed = 0
        do {
            try db.inTransaction {
                let folded = folded(batch.compactMap { if case .change(let change) = $0 { change } else { nil } })
                try apply(folded, in: db, replies: &replies) { message in
                    failed += 1
                    onFailure(message, 1)
                } refused: { record in
                    let slot = UTCTimestamp.rfc3339(micros: record.scheduledAt)
                    onFailure(
                        "the row of task \(record.task) for its slot at \(slot) was not written: that slot already "
                            + "has a row, so the slot stays recorded once (the daemon believed the slot new; if this "
                            + "repeats, report it with the log)", 1)
                }
                return .commit
            }
        } catch {
            onFailure("the commit failed: \(error)", changes - failed)
            replies = replies.map { ($0.0, false) }
        }
        unwritten.value.subtract(changes, ordering: .releasing)
        for (reply, written) in replies { reply(written) }
        for case .committed(let body) in batch { body() }
    }

    /// Applies folded changes with as few statements as possible: the new rows first, in order, runs of plain
    /// inserts as multi-row INSERTs; then the starts and outcomes, in order, runs of one kind as multi-row
    /// UPDATEs.
    ///
    /// Moving the updates after the inserts changes nothing: after `folded`, an update's row is never one this
    /// batch inserts (that one took the update into its insert), so inserts and updates touch different rows, and
    /// an update never changes the task or slot an insert's unique index looks at. Within the updates, a row's
    /// second change waits for a statement after its first.
    ///
    /// A failing change is reported to `failed` (its rows alone are rolled back); a row whose slot is taken to
    /// `refused`, or to its reply.
    /// - Throws: `HistoryStore.HeadsNotMoved`: rows were inserted but not linked, and the batch must fail whole.
    static func apply(
        _ changes: [Change], in db: Database, replies: inout [(@Sendable (Bool) -> Void, Bool)],
        failed: (String) -> Void, refused: (RunRecord) -> Void
    ) throws {
        var plain: [RunRecord] = []
        func insertPlain() throws {
            guard !plain.isEmpty else { return }
            let notWritten = try HistoryStore.insertRows(plain[...], in: db) { _, error in failed("\(error)") }
            notWritten.forEach(refused)
            plain.removeAll(keepingCapacity: true)
        }
        for change in changes {
            guard case .insert(let record, let reply, let plan) = change else { continue }
            if reply == nil, plan == nil {
                plain.append(record)
                continue
            }
            try insertPlain()
            do {
                let written = try applyInsert(record, settlingPlan: plan, in: db)
                if let reply { replies.append((reply, written)) } else if !written { refused(record) }
            } catch let error as HistoryStore.HeadsNotMoved {
                throw error
            } catch {
                if let reply { replies.append((reply, false)) }
                failed("\(error)")
            }
        }
        try insertPlain()

        var outcomes: [HistoryStore.Outcome] = []
        var starts: [(id: Int64, at: Int64)] = []
        /// Rows with a change in `outcomes` or `starts`: a row's second change must see its first.
        var pendingRows: Set<Int64> = []
        func writePending() {
            HistoryStore.finishRows(outcomes[...], in: db) { _, error in failed("\(error)") }
            HistoryStore.markStartedRows(starts[...], in: db) { _, error in failed("\(error)") }
            outcomes.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
            pendingRows.removeAll(keepingCapacity: true)
        }
        for change in changes {
            switch change {
            case .insert:
                continue
            case .markStarted(let id, let at):
                if !outcomes.isEmpty || pendingRows.contains(id) { writePending() }
                starts.append((id, at))
                pendingRows.insert(id)
            case .finish(let id, let status, let at, let error, let output, let startedAt):
                if !starts.isEmpty || pendingRows.contains(id) { writePending() }
                outcomes.append(.init(
                    id: id, status: status, startedAt: startedAt, finishedAt: at, error: error, output: output))
                pendingRows.insert(id)
            }
        }
        writePending()
    }

    /// The batch's changes with each start and outcome of a row inserted earlier in the same batch folded into
    /// that insert, exactly as the UPDATEs would have changed the row (a start sets `running`; an outcome applies
    /// only to a row still `queued` or `running`), and each start of an earlier batch's row joined by its outcome
    /// in this batch made one `finish` with its start (in a burst most runs wait in line as `queued` rows and then
    /// start and end within a batch: one UPDATE for both instead of two). Other changes stay as they are, in order.
    static func folded(_ batch: [Change]) -> [Change] {
        // Rows only (the scheduler writes the starts and outcomes of an instant's runs into their rows itself): nothing
        // to fold, and no index of the rows to build.
        guard batch.contains(where: { $0.changedRow != nil }) else { return batch }
        var changes: [Change] = []
        changes.reserveCapacity(batch.count)
        /// Index in `changes` of each row inserted in this batch, by id.
        var inserted: [Int64: Int] = [:]
        /// Index in `changes` of each start of an earlier batch's row with no outcome yet, by id.
        var started: [Int64: Int] = [:]
        /// Folds `change` into the row it changes if this batch inserted that row; false when it did not.
        func fold(_ change: Change, into id: Int64) -> Bool {
            guard let index = inserted[id], case .insert(var record, let reply, let plan) = changes[index] else {
                return false
            }
            change.fold(into: &record)
            changes[index] = .insert(record, reply: reply, settlingPlan: plan)
            return true
        }
        for change in batch {
            switch change {
            case .insert(let record, _, _):
                if let id = record.id { inserted[id] = changes.count }
                changes.append(change)
            case .markStarted(let id, _):
                if !fold(change, into: id) {
                    started[id] = changes.count
                    changes.append(change)
                }
            case .finish(let id, let status, let at, let error, let output, let startedAt):
                if fold(change, into: id) { continue }
                // Every change of one row is in the batch in order, and only this row's changes matter to it, so
                // the pair may stand where the start stood.
                if startedAt == nil, let index = started.removeValue(forKey: id),
                   case .markStarted(_, let startedAt) = changes[index]
                {
                    changes[index] = .finish(
                        id: id, status: status, at: at, error: error, output: output, startedAt: startedAt)
                } else {
                    changes.append(change)
                }
            }
        }
        return changes
    }

    /// Inserts one row, and with `settlingPlan` deletes that planned run in the same savepoint (only if the row
    /// is written); returns false when its slot is taken.
    private static func applyInsert(_ record: RunRecord, settlingPlan plan: Int64?, in db: Database) throws -> Bool {
        guard let plan else { return try HistoryStore.insertRow(record, in: db) }
        // The row and the plan's removal succeed or fail together.
        var written = false
        try db.inSavepoint {
            written = try HistoryStore.insertRow(record, in: db)
            if written { try HistoryStore.deletePlannedRun(id: plan, in: db) }
            return .commit
        }
        return written
    }
}

extension HistoryStore {
    /// The id the next new row should take: above every id the table has had (AUTOINCREMENT's own counter
    /// included, so an id of a pruned row is never handed out again).
    public func nextRunID() async throws -> Int64 {
        try await writer.read { db in
            let used = try Int64.fetchOne(db, sql: """
                SELECT MAX(COALESCE((SELECT MAX(id) FROM run), 0),
                           COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'run'), 0))
                """) ?? 0
            return used + 1
        }
    }
}

extension HistoryWriter.Change {
    /// The row a start or an outcome changes; nil for a new row.
    public var changedRow: Int64? {
        switch self {
        case .insert: nil
        case .markStarted(let id, _), .finish(let id, _, _, _, _, _): id
        }
    }

    /// Writes this start or outcome into `record`, the row it changes not yet written, exactly as its UPDATE would
    /// change the row: a start makes it `running`; an outcome applies only to a row still `queued` or `running`. A
    /// new row changes nothing.
    public func fold(into record: inout RunRecord) {
        switch self {
        case .insert:
            return
        case .markStarted(_, let at):
            record.status = .running
            record.startedAt = at
        case .finish(_, let status, let at, let error, let output, let startedAt):
            guard record.status == .queued || record.status == .running else { return }
            record.status = status
            record.startedAt = startedAt ?? record.startedAt
            record.finishedAt = at
            record.error = error
            record.output = output
        }
    }
}
