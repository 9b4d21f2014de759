import History

/// The error-rate alert's window as slices of time, each counted once: an evaluation counts only the runs that
/// ended since the last one, instead of every run in the window.
///
/// Counting the whole window each time read every row that ended in it, each `alerts.check_interval`: at 1,000
/// runs a second and the default 15 minutes, up to 900,000 rows every 30 s, about 0.3 us each, which grew the
/// history writer's share of the steady daemon's CPU from 13 to 20 us per run over its first ten minutes
/// (`Benchmarks/Harness/soak_minutes.py`). A slice ends `settleMicros` before the evaluation, so that the runs in
/// it have been committed (the writer commits within milliseconds); the oldest slice is dropped once it lies
/// wholly before the window, so the counts may reach up to one check interval further back than the window.
struct OutcomeSlices {
    /// How long before an evaluation its slice ends: runs that ended since may not be committed yet.
    static let settleMicros: Int64 = 10_000_000

    private var slices: [(from: Int64, to: Int64, counts: OutcomeCounts)] = []
    private var window: Int64 = 0

    /// The time still to count for a window of `window` µs ending at `end`; nil when it is counted already.
    /// A different window starts over.
    mutating func pending(end: Int64, window: Int64) -> Range<Int64>? {
        if window != self.window {
            slices.removeAll()
            self.window = window
        }
        slices.removeAll { $0.to <= end - window }
        let from = max(slices.last?.to ?? end - window, end - window)
        return from < end ? from..<end : nil
    }

    /// Adds the counts of a slice `pending` returned.
    mutating func add(_ counts: OutcomeCounts, over range: Range<Int64>) {
        slices.append((range.lowerBound, range.upperBound, counts))
    }

    /// The counts over the window.
    var total: OutcomeCounts {
        slices.reduce(into: OutcomeCounts(finished: 0, failed: 0)) { total, slice in
            total.finished += slice.counts.finished
            total.failed += slice.counts.failed
        }
    }
}
