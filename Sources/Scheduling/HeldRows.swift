import History

/// The history rows of one released instant's runs (`Scheduler.releaseArmed`), held by the scheduler until every
/// run of the instant is recorded, its outcome included (its line settled), or until `deadline`, whichever comes
/// first; then they are queued to the history writer as they stand, one new row each.
///
/// The starts and outcomes recorded meanwhile are written into the rows here (`fold`), where a row is found by its
/// id's offset from the first (the ids of an instant's rows are consecutive, `Scheduler.ArmedCalls`). Queued to the
/// writer as changes of their own, they cost two more queue appends per run on the scheduler's thread and the
/// writer a dictionary of the batch's rows to fold them back in (`HistoryWriter.folded`): 5 % of its samples (perf,
/// steady workload).
struct HeldRows {
    /// The line of the instant's calls: the rows are complete when it is settled.
    let line: ReleasedLine
    /// The rows, in id order, the first with id `first`.
    private(set) var records: [RunRecord] = []
    private let first: Int64
    /// The rows are queued at this instant at the latest (`Scheduler.releasedRowsWait` after the release).
    let deadline: Micros

    init(line: ReleasedLine, first: Int64, capacity: Int, deadline: Micros) {
        self.line = line
        self.first = first
        self.deadline = deadline
        records.reserveCapacity(capacity)
    }

    /// Adds the next row; its id must follow the last one's.
    mutating func append(_ record: RunRecord) {
        precondition(record.id == first + Int64(records.count), "held rows are added in id order")
        records.append(record)
    }

    /// Writes `change` (a start or an outcome) into its row if it is held here: false when it is not.
    mutating func fold(_ change: HistoryWriter.Change) -> Bool {
        guard let id = change.changedRow, id >= first, id - first < Int64(records.count) else { return false }
        change.fold(into: &records[Int(id - first)])
        return true
    }
}
