import Config
import HeapModule

extension SchedulerStateMachine {
    /// Decides a task's due slots (oldest first; `total` counts slots beyond the listed ones too).
    ///
    /// Slots later than `max_lateness` are missed and follow the catch-up policy: `none` runs none of them,
    /// `latest` runs only the most recent slot, `all` runs up to `max_catch_up` of them oldest first, one after
    /// another. Each coalesced group of missed slots is one `skip` decision that names the count.
    mutating func handleDue(_ task: String, slots: [Micros], total: Int, now: Micros) -> [Action] {
        guard let state = tasks[task], let newest = slots.last else { return [] }
        let (maxLateness, catchUp, maxCatchUp) = state.withDefinition { ($0.maxLateness, $0.catchUp, $0.maxCatchUp) }
        let onTime = now - newest <= maxLateness ? newest : nil
        let late = onTime == nil ? slots : Array(slots.dropLast())
        let lateTotal = onTime == nil ? total : total - 1
        guard let firstLate = late.first else {
            return decide(newRun(task, .schedule, at: newest), now: now)
        }
        var actions: [Action] = []
        // One decision row per coalesced group, keyed on its last slot (so the last recorded slot is exact).
        func missed(_ count: Int, from first: Micros, through last: Micros, _ what: String) {
            guard count > 0 else { return }
            let plural = count == 1 ? "slot" : "slots"
            actions.append(.skip(newRun(task, .schedule, at: last), reason:
                "missed: \(count) \(plural) could not fire on time (daemon down, suspend, clock step or overload); \(what)"))
        }
        switch catchUp {
        case .none:
            missed(lateTotal, from: firstLate, through: late.last!, "catch_up: none")
            if let onTime { actions += decide(newRun(task, .schedule, at: onTime), now: now) }
        case .latest:
            if let onTime {
                missed(lateTotal, from: firstLate, through: late.last!, "ran the latest slot instead (catch_up: latest)")
                actions += decide(newRun(task, .schedule, at: onTime), now: now)
            } else {
                missed(lateTotal - 1, from: firstLate, through: late[late.count - 2 >= 0 ? late.count - 2 : 0],
                       "ran the latest slot instead (catch_up: latest)")
                actions += decide(newRun(task, .catchUp, at: late.last!), now: now)
            }
        case .all:
            let runs = late.prefix(maxCatchUp)
            if lateTotal > runs.count {
                missed(lateTotal - runs.count, from: late[runs.count...].first ?? firstLate, through: late.last!,
                       "more than max_catch_up (\(maxCatchUp)); ran the oldest")
            }
            for slot in runs {
                actions += decide(newRun(task, .catchUp, at: slot), now: now, sequential: true)
            }
            if let onTime { actions += decide(newRun(task, .schedule, at: onTime), now: now, sequential: true) }
        }
        return actions
    }

    /// Applies pause, window and overlap rules to a new run, then admits it.
    /// - Parameters:
    ///   - sequential: catch-up runs of one task wait for each other whatever the overlap policy.
    ///   - force: an operator's forced run: the overlap policy does not apply (limits and windows still do).
    mutating func decide(_ run: PendingRun, now: Micros, sequential: Bool = false, force: Bool = false) -> [Action] {
        guard let state = tasks[run.task] else { return [.skip(run, reason: "unknown task")] }
        let definition = state.definition
        if state.paused, run.trigger != .manual {
            return [.skip(run, reason: "paused: resume the task to run it")]
        }
        if definition.ratePolicy == .skip, let reason = rateLimitReason(run.task, now: now) {
            return [.skip(run, reason: "\(reason) (rate_policy: skip)")]
        }
        let running = state.running.count
        let active = running + state.waiting
        if sequential {
            return admitInWindow(run, needsTaskIdle: active > 0, now: now)
        }
        if force {
            return admit(run, needsTaskIdle: false, now: now)
        }
        switch definition.overlap {
        case .skip:
            if active > 0 { return [.skip(run, reason: "overlap: the previous run is still active (overlap: skip)")] }
            return admitInWindow(run, needsTaskIdle: false, now: now)
        case .queue:
            if state.waiting > 0 {
                return [.skip(run, reason: "overlap: a run is already waiting (overlap: queue keeps one)")]
            }
            return admitInWindow(run, needsTaskIdle: running > 0, now: now)
        case .allow:
            if active >= definition.maxInstances {
                return [.skip(run, reason: "overlap: \(active) runs already active (max_instances: \(definition.maxInstances))")]
            }
            return admitInWindow(run, needsTaskIdle: false, now: now)
        case .replace:
            // Outside the window, the running run is left alone: the new one is skipped or waits.
            if !definition.windowIsOpen(at: now) { return admitInWindow(run, needsTaskIdle: true, now: now) }
            var actions: [Action] = []
            for serial in state.running where runningRuns[serial]?.stopRequested == nil {
                runningRuns[serial]!.stopRequested = .replaced
                runningRuns[serial]!.stuckAt = now + definition.timeoutGrace
                actions.append(.stop(runningRuns[serial]!.run, reason: .replaced))
            }
            actions += dropWaiting(reason: "replaced by a newer run (overlap: replace)") { $0.task == run.task }
            return actions + admitInWindow(run, needsTaskIdle: running > 0, now: now)
        }
    }

    /// After the overlap rules: a run outside its task's windows is skipped, or waits for the next opening
    /// (`window_policy: wait`); inside, it is admitted.
    mutating func admitInWindow(_ run: PendingRun, needsTaskIdle: Bool, now: Micros) -> [Action] {
        guard let definition = tasks[run.task]?.definition, !definition.windowIsOpen(at: now) else {
            return admit(run, needsTaskIdle: needsTaskIdle, now: now)
        }
        let windows = definition.windows.map(\.text).joined(separator: ", ")
        if definition.windowPolicy == .wait, let opening = definition.nextWindowOpening(after: now) {
            tasks[run.task]!.waiting += 1
            delayed.insert(DelayedEntry(at: opening, run: run, kind: .admit))
            return [.queue(run, reason: "waiting for the window \(windows)")]
        }
        return [.skip(run, reason: "outside the window \(windows) (window_policy: skip)")]
    }

    /// Starts the run if the global limit, its group's limit and (if asked) its task allow; otherwise it waits.
    mutating func admit(_ run: PendingRun, needsTaskIdle: Bool, now: Micros, alreadyQueued: Bool = false) -> [Action] {
        // Runs already in line go first: a newcomer only starts at once when nobody of its priority or higher
        // is waiting for the same slot.
        // With every slot taken nobody can start, so nobody is ahead either: no need to look down the line.
        let ahead = runningRuns.count < maxRunning && waiting.contains { entry in
            (tasks[entry.run.task]?.definition.priority ?? 5) >= (tasks[run.task]?.definition.priority ?? 5)
                && canStart(entry.run.task, needsTaskIdle: entry.needsTaskIdle, now: now)
        }
        if !ahead, canStart(run.task, needsTaskIdle: needsTaskIdle, now: now) {
            start(run, now: now)
            return [alreadyQueued ? .startQueued(run) : .start(run)]
        }
        let entry = Waiting(run: run, needsTaskIdle: needsTaskIdle, since: now, ticket: nextTicket)
        nextTicket += 1
        waiting.append(entry)
        overdueFloor = overdueFloor.map { min($0, overdueInstant(of: entry)) }
        tasks[run.task]?.waiting += 1
        let reason = alreadyQueued ? nil : waitReason(run.task, needsTaskIdle: needsTaskIdle, now: now)
        let started = startWaiting(now: now)
        guard let reason else { return started }
        // A burst queues thousands of runs with every slot taken: one small array each, no concatenation.
        return started.isEmpty ? [.queue(run, reason: reason)] : [.queue(run, reason: reason)] + started
    }

    /// Starts every waiting run that may start now. Order: runs that waited longer than their task's `max_wait`
    /// first (oldest first: nothing starves), then higher `priority`, then first come first served. A run held
    /// back by its group, task or rate limit does not hold back the runs behind it.
    mutating func startWaiting(now: Micros) -> [Action] {
        var actions: [Action] = []
        guard runningRuns.count < maxRunning, !waiting.isEmpty else { return actions }
        if noneOverdue(now: now) { actions = startFrontRunners(now: now) }
        while runningRuns.count < maxRunning {
            var best: (index: Int, key: (Int, Micros, Int))?
            for (index, entry) in waiting.enumerated()
            where canStart(entry.run.task, needsTaskIdle: entry.needsTaskIdle, now: now) {
                let definition = tasks[entry.run.task]?.definition
                let overdue = now - entry.since > (definition?.maxWait ?? .max)
                let key = overdue ? (0, entry.since, index) : (1, Micros(-(definition?.priority ?? 5)), index)
                if best == nil || key < best!.key { best = (index, key) }
            }
            guard let chosen = best else { break }
            let entry = waiting.remove(at: chosen.index)
            tasks[entry.run.task]?.waiting -= 1
            start(entry.run, now: now)
            actions.append(.startQueued(entry.run))
        }
        return actions
    }

    /// The fast part of `startWaiting` while no waiting run is overdue: then the order is priority, then place in
    /// line, so the first startable runs of the top priority are the next ones to start, and the walk down the
    /// line stops as soon as it has one per free slot (a burst of thousands waiting no longer costs a full scan
    /// per start). Starting a run never lets another run start that could not before, so a candidate that can
    /// no longer start when its turn comes ends the fast part; `startWaiting`'s full scan does the rest.
    private mutating func startFrontRunners(now: Micros) -> [Action] {
        let free = maxRunning - runningRuns.count
        var candidates: [Int] = []
        var index = waiting.startIndex
        while index < waiting.endIndex, candidates.count < free {
            let entry = waiting[index]
            if (tasks[entry.run.task]?.definition.priority ?? 5) == topPriority,
               canStart(entry.run.task, needsTaskIdle: entry.needsTaskIdle, now: now)
            {
                candidates.append(index)
            }
            index += 1
        }
        var started: [Int] = []
        for candidate in candidates {
            let entry = waiting[candidate]
            guard canStart(entry.run.task, needsTaskIdle: entry.needsTaskIdle, now: now) else { break }
            start(entry.run, now: now)
            tasks[entry.run.task]?.waiting -= 1
            started.append(candidate)
        }
        let actions = started.map { Action.startQueued(waiting[$0].run) }
        for index in started.reversed() { waiting.remove(at: index) }
        return actions
    }

    /// Whether no waiting run has waited longer than its task's `max_wait`; refreshes `overdueFloor` when the
    /// bound it keeps is not enough to tell.
    mutating func noneOverdue(now: Micros) -> Bool {
        if let floor = overdueFloor, now <= floor { return true }
        var floor = Micros.max
        for entry in waiting { floor = min(floor, overdueInstant(of: entry)) }
        overdueFloor = floor
        return now <= floor
    }

    /// When a waiting run turns overdue: `startWaiting` counts it overdue once `now - since > max_wait`.
    func overdueInstant(of entry: Waiting) -> Micros {
        let (instant, overflow) = entry.since.addingReportingOverflow(tasks[entry.run.task]?.definition.maxWait ?? .max)
        return overflow ? .max : instant
    }

    /// Why a run of `task` cannot start now because of a rate limit (its own or its group's), or nil.
    func rateLimitReason(_ task: String, now: Micros) -> String? {
        // Asked for every run decided and every start considered: with no rate limit anywhere, nothing to look up.
        guard hasRateLimits, let definition = tasks[task]?.definition else { return nil }
        if let limit = definition.rateLimit, Self.count(taskStarts[task], within: limit.per, now: now) >= limit.runs {
            return "rate limit: \(limit.runs) runs per \(TaskDefinition.durationText(limit.per)) reached"
        }
        if let group = definition.group, let limit = groupRateLimits[group],
           Self.count(groupStarts[group], within: limit.per, now: now) >= limit.runs
        {
            return "rate limit of group \(group): \(limit.runs) runs per \(TaskDefinition.durationText(limit.per)) reached"
        }
        return nil
    }

    static func count(_ starts: [Micros]?, within window: Micros, now: Micros) -> Int {
        guard let starts else { return 0 }
        var count = 0
        for start in starts.reversed() {
            guard start > now - window else { break }
            count += 1
        }
        return count
    }

    /// The earliest instant at which a waiting run held back by a full rate-limit window may start.
    var rateRelease: Micros? {
        guard hasRateLimits else { return nil }
        var earliest: Micros?
        func release(_ starts: [Micros]?, _ limit: TaskDefinition.Limit) {
            guard let starts, starts.count >= limit.runs else { return }
            let at = starts[starts.count - limit.runs] + limit.per
            earliest = min(earliest ?? at, at)
        }
        for entry in waiting {
            guard let definition = tasks[entry.run.task]?.definition else { continue }
            if let limit = definition.rateLimit { release(taskStarts[entry.run.task], limit) }
            if let group = definition.group, let limit = groupRateLimits[group] { release(groupStarts[group], limit) }
        }
        return earliest
    }

    /// Removes waiting runs (in line or waiting for a window) that match, as `dropQueued` actions.
    mutating func dropWaiting(reason: String, where matches: (PendingRun) -> Bool) -> [Action] {
        var actions: [Action] = []
        waiting.removeAll { entry in
            guard matches(entry.run) else { return false }
            tasks[entry.run.task]?.waiting -= 1
            actions.append(.dropQueued(entry.run, reason: reason))
            return true
        }
        let (dropped, kept) = delayed.unordered.reduce(into: ([DelayedEntry](), [DelayedEntry]())) { split, entry in
            if entry.kind == .admit, matches(entry.run) { split.0.append(entry) } else { split.1.append(entry) }
        }
        if !dropped.isEmpty {
            delayed = Heap(kept)
            for entry in dropped.sorted() {
                tasks[entry.run.task]?.waiting -= 1
                actions.append(.dropQueued(entry.run, reason: reason))
            }
        }
        return actions
    }

    /// Runs the tasks that depend on how `run` ended: `after:` dependents whose `on:` matches, and the task's own
    /// `on_success` / `on_failure` hooks.
    mutating func triggerDependents(of run: PendingRun, end: RunEnd, now: Micros) -> [Action] {
        guard let definition = tasks[run.task]?.definition else { return [] }
        var targets: [String] = []
        for name in dependents[run.task] ?? [] {
            if let state = tasks[name], end.satisfies(state.definition.afterCondition) { targets.append(name) }
        }
        if end == .succeeded { targets += definition.onSuccess }
        if end.isFailure { targets += definition.onFailure }
        var seen: Set<String> = []
        var actions: [Action] = []
        for target in targets where seen.insert(target).inserted && tasks[target] != nil {
            var dependent = newRun(target, .dependency, at: now)
            dependent.cause = RunCause(task: run.task, serial: run.serial, end: end)
            actions += decide(dependent, now: now)
        }
        return actions
    }

    private func canStart(_ task: String, needsTaskIdle: Bool, now: Micros) -> Bool {
        runningRuns.count < maxRunning && canStartButForTheGlobalLimit(task, needsTaskIdle: needsTaskIdle, now: now)
    }

    /// Whether a run of `task` may start as soon as a slot under `limits.max_running` is free: no rate limit, task
    /// or group holds it back.
    func canStartButForTheGlobalLimit(_ task: String, needsTaskIdle: Bool, now: Micros) -> Bool {
        if rateLimitReason(task, now: now) != nil { return false }
        if needsTaskIdle, tasks[task]?.running.isEmpty == false { return false }
        return fullGroup(of: task) == nil
    }

    /// The group of `task` and its limit, when the group has as many runs going as its limit allows.
    private func fullGroup(of task: String) -> (name: String, limit: Int)? {
        guard !groupLimits.isEmpty, let group = tasks[task]?.withDefinition({ $0.group }),
              let limit = groupLimits[group], groupRunning[group, default: 0] >= limit
        else { return nil }
        return (group, limit)
    }

    mutating func start(_ run: PendingRun, now: Micros) {
        let (group, rateLimit, timeout) = tasks[run.task]?.withDefinition { ($0.group, $0.rateLimit, $0.timeout) }
            ?? (nil, nil, nil)
        if let group { groupRunning[group, default: 0] += 1 }
        tasks[run.task]?.running.insert(run.serial)
        if let limit = rateLimit {
            taskStarts[run.task, default: []].append(now)
            Self.trim(&taskStarts[run.task]!, keep: limit.runs)
        }
        if let group, let limit = groupRateLimits[group] {
            groupStarts[group, default: []].append(now)
            Self.trim(&groupStarts[group]!, keep: limit.runs)
        }
        runningRuns[run.serial] = Running(run: run, group: group, deadline: timeout.map { now + $0 })
    }

    /// Only the last `keep` starts matter for a limit of `keep` runs per window.
    private static func trim(_ starts: inout [Micros], keep: Int) {
        if starts.count > keep * 2 { starts.removeFirst(starts.count - keep) }
    }

    private func waitReason(_ task: String, needsTaskIdle: Bool, now: Micros) -> String {
        if let reason = rateLimitReason(task, now: now) { return "waiting: \(reason) (rate_policy: queue)" }
        if needsTaskIdle, tasks[task]?.running.isEmpty == false {
            return "waiting for the task's active run to end"
        }
        if let group = fullGroup(of: task) {
            return "waiting for a free slot in group \(group.name) (max_running: \(group.limit))"
        }
        return freeSlotReason
    }

    static func freeSlotReason(maxRunning: Int) -> String {
        "waiting for a free slot (limits.max_running: \(maxRunning))"
    }
}
