import Synchronization

/// Where pool threads leave the runs whose plugin call returned, for the scheduler loop to record all at once.
///
/// A plugin call ends on a `BlockingThreadPool` thread; instead of a task per run hopping onto the scheduler
/// actor, the thread adds the result here and rings the loop's doorbell. Under load the loop finds many results
/// at each turn.
///
/// Thread safety: `Sendable`; the list is a `Mutex`.
final class EndedRuns: Sendable {
    private let results = Mutex<[RunRelay.End]>([])

    /// Leaves how a run ended (`RunRelay.End`: with when its plugin call began); called on the thread that ran it.
    func add(_ end: RunRelay.End) {
        results.withLock { $0.append(end) }
    }

    /// Takes every result left since the last call, oldest first.
    func takeAll() -> [RunRelay.End] {
        results.withLock { results in
            guard !results.isEmpty else { return [] }
            defer { results.removeAll(keepingCapacity: true) }
            return results
        }
    }
}
