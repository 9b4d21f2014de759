import Config

extension SchedulerStateMachine {
    /// Slots of one instant decided ahead of it: the scheduler makes their calls ready meanwhile and starts them the
    /// moment the instant comes, instead of deciding thousands of slots then (`Scheduler+Arming`).
    public struct Armed: Sendable {
        /// The instant the runs are due.
        public var instant: Micros
        /// The runs, in the order `advance` would have decided them (the timer's: task name).
        public var runs: [PendingRun]
        /// How many of them start at the instant (the slots under `limits.max_running` free when they were armed);
        /// the others wait in line behind them, first come first served.
        public var starting: Int
        /// Until when after `instant` the release may come: the smallest `max_lateness` of the armed tasks (a later
        /// release would find their slots missed, which `advance` decides).
        var lateBy: Micros
        /// The smallest `max_wait` of the armed tasks: the runs that wait in line from the release keep their order
        /// (and may be offered to the relay) for that long.
        public var maxWait: Micros
        /// Each armed task's slot after `instant` (its timer entry for it is in place already): its next slot from
        /// the release on. Until then the task's next slot is still `instant`, as status shows it.
        var following: [Micros?]
    }

    /// The instant whose slots are armed, if any.
    public var armedInstant: Micros? { armed?.instant }

    /// Decides ahead of time the slots due at `instant`, the loop's next wake-up, that need nothing but a free slot
    /// then, and holds them until `releaseArmed(now:)`.
    ///
    /// The decision for such a slot is known ahead of its instant as long as nothing happens before it: the slot of
    /// an idle, unpaused task of the top priority, with no group, no rate limit anywhere, not `overlap: replace`,
    /// its window open at the instant, not `every_mode: after_finish`, and (`canRecord`) no row for the slot yet
    /// starts if a slot under `limits.max_running` is free and otherwise waits in line, first come first served.
    /// Arming needs an empty line (nobody ahead of the armed runs) and nothing due before the instant. Every event
    /// before the release (a run ends, a request, a cancel, a pause, a reload, a clock step, shutdown) disarms first
    /// (`disarm()`), putting the slots back on the timer: they are then decided at their instant as always.
    /// Slots of other tasks due at the same instant stay on the timer and are decided when it comes, behind the
    /// armed ones.
    /// - Returns: the armed slots, or nil when none may be armed.
    public mutating func arm(
        at instant: Micros, now: Micros, limit: Int, canRecord: (String, Micros) -> Bool
    ) -> Armed? {
        guard armed == nil, instant > now, limit > 0, !hasRateLimits, waiting.isEmpty, nextWakeup == instant
        else { return nil }
        var runs: [PendingRun] = []
        var following: [Micros?] = []
        var kept: [TimerEntry] = []
        var (lateBy, maxWait) = (Micros.max, Micros.max)
        while runs.count < limit, let top = timers.min, top.at == instant {
            timers.removeMin()
            guard let state = tasks[top.task], state.version == top.version else { continue }
            let armable = state.withDefinition { definition in
                definition.priority == topPriority && definition.group == nil && definition.overlap != .replace
                    && definition.every?.afterFinish != true && definition.windowIsOpen(at: instant)
            }
            guard armable, !state.paused, state.running.isEmpty, state.waiting == 0, canRecord(top.task, instant)
            else {
                kept.append(top)
                continue
            }
            let next = state.withDefinition { $0.fireInstant(after: instant) }
            if let next { timers.insert(TimerEntry(at: next, task: top.task, version: state.version)) }
            following.append(next)
            state.withDefinition { definition in
                lateBy = min(lateBy, definition.maxLateness)
                maxWait = min(maxWait, definition.maxWait)
            }
            runs.append(newRun(top.task, .schedule, at: instant))
        }
        for entry in kept { timers.insert(entry) }
        guard !runs.isEmpty else { return nil }
        armed = Armed(
            instant: instant, runs: runs, starting: min(runs.count, max(0, maxRunning - runningRuns.count)),
            lateBy: lateBy, maxWait: maxWait, following: following)
        return armed
    }

    /// Whether `releaseArmed(now:)` would release the armed slots now.
    public func canReleaseArmed(now: Micros) -> Bool {
        guard let armed else { return false }
        return now >= armed.instant && now - armed.instant <= armed.lateBy
    }

    /// Starts the armed slots when their instant has come (`now` at or after it): the first `starting` of them run
    /// from `now`, the others join the line in order, waiting from `now`. The same decisions `advance(to: now)`
    /// makes for them.
    /// - Returns: the released slots; nil when none are armed, the instant has not come, or it passed by more than
    ///   a task's `max_lateness` (then they are put back on the timer and `advance` decides them as missed).
    public mutating func releaseArmed(now: Micros) -> Armed? {
        guard let released = armed, now >= released.instant else { return nil }
        guard canReleaseArmed(now: now) else {
            disarm()
            return nil
        }
        armed = nil
        for (index, run) in released.runs.prefix(released.starting).enumerated() {
            start(run, now: now)
            tasks[run.task]?.nextFire = released.following[index]
        }
        var floor = overdueFloor
        for index in released.starting..<released.runs.count {
            let run = released.runs[index]
            let entry = Waiting(run: run, needsTaskIdle: false, since: now, ticket: nextTicket)
            nextTicket += 1
            waiting.append(entry)
            tasks[run.task]?.leaveArming(following: released.following[index])
            floor = floor.map { min($0, overdueInstant(of: entry)) }
        }
        overdueFloor = floor
        return released
    }

    /// Puts armed slots back on the timer, due at their instant: called first by every event before the release.
    /// - Returns: the slots that were armed, if any.
    @discardableResult
    public mutating func disarm() -> Armed? {
        guard let disarmed = armed else { return nil }
        armed = nil
        for run in disarmed.runs {
            guard var state = tasks[run.task] else { continue }
            state.version += 1
            state.nextFire = disarmed.instant
            tasks[run.task] = state
            timers.insert(TimerEntry(at: disarmed.instant, task: run.task, version: state.version))
        }
        return disarmed
    }
}

extension SchedulerStateMachine.TaskState {
    /// An armed slot of the task was released and waits in line: one run more waiting, the next slot after it.
    mutating func leaveArming(following: Micros?) {
        waiting += 1
        nextFire = following
    }
}
