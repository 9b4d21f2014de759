import Config

extension SchedulerStateMachine {
    /// What the scheduler may offer to the run relay (`RunRelay`): waiting runs that a pool thread may start itself
    /// when a run it called ends, in the order `startWaiting` would start them.
    struct RelayWalk {
        /// The runs to offer, front of the line first.
        var runs: [PendingRun] = []
        /// Tasks with a run ahead of the offered ones that waits for the task's running run to end. When a run of
        /// such a task ends, its slot belongs to that waiting run, so the run's end must go to the scheduler.
        var heldBackTasks: [String] = []
        /// The ticket of the last run looked at: the next walk resumes after it.
        var cursor: UInt64
        /// Until when the offers keep their order: the first instant at which a waiting run may turn overdue
        /// (`max_wait`), after which overdue runs go first.
        var validUntil: Micros
    }

    /// Walks the waiting line after `cursor` for runs a pool thread may start on its own, up to `limit` of them.
    ///
    /// A run is offered only when starting it needs nothing but a free slot under `limits.max_running`, and when
    /// it is the run `startWaiting` would pick for that slot: a task of the top priority with no group, no rate
    /// limit, not `overlap: replace`, and not waiting for its task's previous run. The walk passes over runs held
    /// back by their group or task (as `startWaiting` does) and stops before a run that could start as soon as a
    /// slot frees but that only the scheduler may start: nothing behind it is offered until it has started. It
    /// also stops at a run whose queued row is not made yet (`isRecorded`), and resumes there next time.
    /// - Returns: nil when nothing may be offered now (a rate limit is configured, or a waiting run is overdue).
    mutating func relayWalk(
        after cursor: UInt64, now: Micros, limit: Int, isRecorded: (UInt64) -> Bool
    ) -> RelayWalk? {
        guard !hasRateLimits, limit > 0, !waiting.isEmpty, noneOverdue(now: now) else { return nil }
        var walk = RelayWalk(cursor: cursor, validUntil: overdueFloor ?? .max)
        // Tickets rise from the front to the back of the line: the first one after the cursor by bisection.
        var low = waiting.startIndex
        var high = waiting.endIndex
        while low < high {
            let middle = low + (high - low) / 2
            if waiting[middle].ticket <= cursor { low = middle + 1 } else { high = middle }
        }
        var index = low
        while index < waiting.endIndex, walk.runs.count < limit {
            let entry = waiting[index]
            guard let state = tasks[entry.run.task] else { break }
            let (priority, relayable) = state.withDefinition {
                ($0.priority, $0.group == nil && $0.rateLimit == nil && $0.overlap != .replace)
            }
            if priority == topPriority {
                if relayable, !entry.needsTaskIdle {
                    guard isRecorded(entry.run.serial) else { break }
                    walk.runs.append(entry.run)
                } else if canStartButForTheGlobalLimit(entry.run.task, needsTaskIdle: entry.needsTaskIdle, now: now) {
                    // Startable as soon as a slot frees, by the scheduler only: it goes before anything behind it.
                    break
                } else if entry.needsTaskIdle, !state.running.isEmpty {
                    walk.heldBackTasks.append(entry.run.task)
                }
                // Otherwise held back by its group: only runs of grouped tasks free group slots, and their ends
                // always go to the scheduler.
            }
            walk.cursor = entry.ticket
            index += 1
        }
        return walk
    }

    /// A pool thread started a waiting run by itself (the relay took it from the offers): the run leaves the line,
    /// if it is still in it, and runs from `instant` (its timeout counts from there).
    ///
    /// The relay's start of a run always reaches the scheduler before the end of the run whose slot it took, so
    /// between the two the count of running runs may be over `maxRunning`, never short of what really runs (and
    /// nothing starts while it is over).
    mutating func adoptRelayed(_ run: PendingRun, at instant: Micros) {
        disarm()
        if runningRuns[run.serial] != nil {
            // `startWaiting` picked it too, before the relay's start arrived: only its deadline moves.
            let timeout = tasks[run.task]?.withDefinition { $0.timeout }
            runningRuns[run.serial]!.deadline = timeout.map { instant + $0 }
            return
        }
        if let index = waiting.firstIndex(where: { $0.run.serial == run.serial }) {
            waiting.remove(at: index)
            tasks[run.task]?.waiting -= 1
        }
        start(run, now: instant)
    }
}
