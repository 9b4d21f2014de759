import Config
import DequeModule
import HeapModule
public import PluginHost

/// The scheduler's decisions as a pure state machine: callers feed it the time and events, it returns actions.
///
/// It owns the timer heap (one entry per scheduled task), the delayed runs (retries, start-up delays, runs waiting
/// for their window), the waiting line under the global and group limits, and the running runs with their
/// timeouts. It performs no I/O and reads no clock, so every policy is tested by calling it with chosen instants.
/// The `Scheduler` actor performs the actions (history rows, plugin calls) and reports back with `finished`.
public struct SchedulerStateMachine: Sendable {
    /// What the caller must do.
    public typealias Action = SchedulerAction

    struct TaskState {
        /// The definition lives in a box of its own, so a state read out of the table (`tasks[name]` returns a copy)
        /// costs two references, not a copy of every field of the definition. (It was first boxed for memory, when
        /// the table was a hash table with up to 2.6 slots per task; `TaskTable` now holds one state per task.)
        private var box: DefinitionBox
        var definition: TaskDefinition {
            _read { yield box.definition }
            _modify {
                if !isKnownUniquelyReferenced(&box) { box = DefinitionBox(box.definition) }
                yield &box.definition
            }
        }
        /// The task's next slot, if it has one.
        var nextFire: Micros? {
            get { storedNextFire == .min ? nil : storedNextFire }
            set { storedNextFire = newValue ?? .min }
        }
        /// Bumped whenever the next slot is computed again: a timer entry of an older version is stale.
        var version: Int {
            get { Int(storedVersion) }
            set { storedVersion = UInt32(truncatingIfNeeded: newValue) }
        }
        /// Serials of runs calling the plugin.
        var running: Set<UInt64> = []
        /// Runs of the task in the waiting line or waiting for a window.
        var waiting: Int {
            get { Int(storedWaiting) }
            set { storedWaiting = Int32(clamping: newValue) }
        }
        var paused = false
        // Narrow fields (40 bytes a state instead of 56; the table holds one per task): `Int64.min` for no next
        // slot; a version only ever compared for equality, so wrapping after 4 billion changes of one task is
        // harmless; a task's waiting runs are few (one per overlap rule, retry or window wait).
        private var storedNextFire: Micros = .min
        private var storedVersion: UInt32 = 0
        private var storedWaiting: Int32 = 0

        init(definition: TaskDefinition) {
            box = DefinitionBox(definition)
        }

        /// Calls `body` with the definition where it is, in its box (reading `definition` into a value copies every
        /// field and retains each reference in it).
        func withDefinition<T>(_ body: (borrowing TaskDefinition) -> T) -> T { body(box.definition) }

        /// Installs a new definition in a box of its own (assigning through `definition` would first copy the
        /// old one out of its shared box, only to overwrite it).
        mutating func replace(definition: TaskDefinition) {
            box = DefinitionBox(definition)
        }
    }

    /// Holds a task's definition for `TaskState`. Copy on write: it is only mutated while uniquely referenced,
    /// so sharing it between copies of the state machine is safe.
    final class DefinitionBox: @unchecked Sendable {
        var definition: TaskDefinition
        init(_ definition: TaskDefinition) { self.definition = definition }
    }

    struct Running {
        var run: PendingRun
        var group: String?
        var deadline: Micros?
        var stopRequested: StopReason?
        var stuckAt: Micros?
        var stuckReported = false
    }

    struct Waiting {
        var run: PendingRun
        var needsTaskIdle: Bool
        /// When it started waiting (for `max_wait`).
        var since: Micros
        /// Its place in line: rising from the front to the back (the relay's walk resumes after one).
        var ticket: UInt64 = 0
    }

    struct TimerEntry: Comparable {
        var at: Micros
        var task: String
        var version: Int
        static func < (a: Self, b: Self) -> Bool { (a.at, a.task) < (b.at, b.task) }
    }

    struct DelayedEntry: Comparable {
        enum Kind { case decide, admit }
        var at: Micros
        var run: PendingRun
        var kind: Kind
        static func < (a: Self, b: Self) -> Bool { (a.at, a.run.serial) < (b.at, b.run.serial) }
        static func == (a: Self, b: Self) -> Bool { a.at == b.at && a.run.serial == b.run.serial }
    }

    var tasks = TaskTable()
    var timers = Heap<TimerEntry>()
    var delayed = Heap<DelayedEntry>()
    /// The waiting line, first come first; a deque, because runs leave it mostly from the front.
    var waiting = Deque<Waiting>()
    /// The highest `priority` of any installed task (at least the default, 5). While no waiting run is overdue,
    /// the first startable run of this priority in line is the next to start: `startWaiting` stops looking there.
    var topPriority = 5
    /// A lower bound of the instants at which waiting runs turn overdue (`since + max_wait`); nil when unknown.
    /// Until then no run is overdue, so `startWaiting` need not look at every waiting run's `max_wait`.
    var overdueFloor: Micros?
    /// Whether any installed task or group has a rate limit: without one, no waiting run is ever held back by a
    /// rate window, and `rateRelease` need not walk the waiting line at every wake-up.
    var hasRateLimits = false
    /// For each task, the tasks that name it in `after:`, sorted by name: looked up when a run ends, instead of
    /// sorting and scanning every task then.
    var dependents: [String: [String]] = [:]
    var runningRuns: [UInt64: Running] = [:]
    var groupRunning: [String: Int] = [:]
    var groupLimits: [String: Int] = [:]
    var groupRateLimits: [String: TaskDefinition.Limit] = [:]
    /// Start instants inside the current rate-limit window, per task and per group.
    var taskStarts: [String: [Micros]] = [:]
    var groupStarts: [String: [Micros]] = [:]
    var nextSerial: UInt64 = 1
    /// The ticket the next run to join the waiting line takes.
    var nextTicket: UInt64 = 1
    /// Slots decided ahead of their instant, to start the moment it comes (`arm(at:now:limit:canRecord:)`).
    var armed: Armed?
    /// Paused task names, kept apart from `tasks` so a pause set before `install` (at start-up, from history)
    /// applies to the tasks it installs.
    var pausedNames: Set<String> = []
    /// The global limit on runs calling their plugin at once.
    public private(set) var maxRunning: Int {
        didSet { freeSlotReason = Self.freeSlotReason(maxRunning: maxRunning) }
    }
    /// Why a run waits when only the global limit holds it back: the reason of nearly every queued run in a burst,
    /// made once per limit instead of once per run.
    private(set) var freeSlotReason: String

    /// Creates a machine with no tasks.
    public init(maxRunning: Int) {
        precondition(maxRunning >= 1)
        self.maxRunning = maxRunning
        self.freeSlotReason = Self.freeSlotReason(maxRunning: maxRunning)
    }

    // MARK: - Queries

    /// How many runs are calling their plugin.
    public var runningCount: Int { runningRuns.count }
    /// How many runs wait for a slot (global, group or their task's previous run).
    public var queuedCount: Int { waiting.count }
    /// The next fire instant of a task, if it has one.
    public func nextFire(of task: String) -> Micros? { tasks[task]?.nextFire }
    /// Active (running or waiting) runs of a task.
    public func activeRuns(of task: String) -> Int { tasks[task].map { $0.running.count + $0.waiting } ?? 0 }
    /// Whether a task is paused.
    public func isPaused(_ task: String) -> Bool { tasks[task]?.paused ?? false }
    /// Running runs that passed their timeout plus grace.
    public var stuckRuns: [PendingRun] { runningRuns.values.filter(\.stuckReported).map(\.run) }

    /// The earliest instant at which `advance` has something to do, or nil when nothing is pending.
    public var nextWakeup: Micros? {
        mutating get {
            while let top = timers.min, tasks[top.task]?.version != top.version { timers.removeMin() }
            var earliest = [timers.min?.at, delayed.min?.at, rateRelease, armed?.instant].compactMap { $0 }.min()
            for running in runningRuns.values {
                let due = running.stopRequested == nil ? running.deadline : (running.stuckReported ? nil : running.stuckAt)
                if let due { earliest = min(earliest ?? due, due) }
            }
            return earliest
        }
    }

    // MARK: - Events

    /// Installs a task set (at start-up and on reload), the global limit and the group limits.
    ///
    /// Tasks whose schedule is unchanged keep their next slot; new or rescheduled tasks fire from their next slot
    /// strictly after `now`. Active runs of kept tasks stay counted; waiting runs of removed tasks are dropped.
    /// At start-up (`startup: true`), start-up tasks are scheduled after their delay, and slots missed since each
    /// task's last recorded slot (`lastSlots`) are handled by its catch-up policy.
    /// - Parameter index: each task's position in `definitions`, when the caller has one already (the scheduler
    ///   passes its generation's): the table then shares it instead of hashing every name again.
    public mutating func install(
        _ definitions: [TaskDefinition], maxRunning: Int, groups: [String: Int] = [:],
        groupRateLimits: [String: TaskDefinition.Limit] = [:], now: Micros,
        startup: Bool = false, lastSlots: [String: Micros] = [:], index: [String: Int32]? = nil
    ) -> [Action] {
        precondition(maxRunning >= 1)
        disarm()
        self.maxRunning = maxRunning
        groupLimits = groups
        self.groupRateLimits = groupRateLimits
        topPriority = max(5, definitions.map(\.priority).max() ?? 5)
        overdueFloor = nil
        hasRateLimits = !groupRateLimits.isEmpty || definitions.contains { $0.rateLimit != nil }
        dependents = [:]
        for definition in definitions {
            for upstream in Set(definition.after) { dependents[upstream, default: []].append(definition.name) }
        }
        for upstream in dependents.keys { dependents[upstream]!.sort() }
        var actions: [Action] = []
        // With the caller's index (names to positions in `definitions`) the table only needs its states; else it
        // builds its own, sized once: growing it by doubling rehashed every task (6 % of a 100,000-task start-up).
        var states: [TaskState?] = []
        var next = TaskTable()
        if index != nil {
            states = Array(repeating: nil, count: definitions.count)
        } else {
            next.reserveCapacity(definitions.count)
        }
        // Room for a timer per task at once: grown by doubling, the heap kept up to half its buffer unused.
        timers.reserveCapacity(timers.count + definitions.count)
        // Tasks with equal policies hold one copy of them.
        var policies: Set<Shared<TaskDefinition.Policies>> = []
        for (position, var definition) in definitions.enumerated() {
            // A name given twice (never in a valid configuration): only the one at the index's position is installed.
            if let index, index[definition.name] != Int32(position) { continue }
            if definition.sharedPolicies !== TaskDefinition.defaultPolicies {
                definition.sharedPolicies = policies.insert(definition.sharedPolicies).memberAfterInsert
            }
            let old = tasks[definition.name]
            var state = old ?? TaskState(definition: definition)
            let unchanged = old != nil && old?.definition.scheduleKey == definition.scheduleKey
            if old != nil { state.replace(definition: definition) }
            state.paused = pausedNames.contains(definition.name)
            if !unchanged {
                state.version += 1
                state.nextFire = definition.every?.afterFinish == true
                    ? now + definition.every!.every : definition.fireInstant(after: now)
                if let at = state.nextFire {
                    timers.insert(TimerEntry(at: at, task: definition.name, version: state.version))
                }
            }
            if index != nil { states[position] = state } else { next[definition.name] = state }
        }
        if let index { next = TaskTable(states: states, index: index) }
        let removed = Set(tasks.names.filter { next[$0] == nil })
        tasks = next
        if !removed.isEmpty {
            actions += dropWaiting(reason: "task removed from the configuration") { removed.contains($0.task) }
        }
        if startup {
            for definition in definitions where definition.startup {
                let run = newRun(definition.name, .startup, at: now + definition.startupDelay)
                delayed.insert(DelayedEntry(at: now + definition.startupDelay, run: run, kind: .decide))
            }
            for definition in definitions {
                guard let last = lastSlots[definition.name], definition.hasClockSlots else { continue }
                let (slots, total) = slots(of: definition, after: last, through: now)
                if !slots.isEmpty { actions += handleDue(definition.name, slots: slots, total: total, now: now) }
            }
        }
        actions += startWaiting(now: now)
        return actions
    }

    /// Processes everything due at or before `now`: slots, delayed runs (retries, start-up, windows), timeouts.
    public mutating func advance(to now: Micros) -> [Action] {
        // Armed slots are released by the caller when their instant comes; if it did not, they are decided here.
        if let instant = armed?.instant, now >= instant { disarm() }
        var actions: [Action] = []
        while let top = timers.min, top.at <= now {
            timers.removeMin()
            guard let state = tasks[top.task], state.version == top.version else { continue }
            // Both reads go through the state's box: no copy of the whole definition per due slot.
            let (later, total) = state.withDefinition { slots(of: $0, after: top.at, through: now) }
            let due = [top.at] + later
            let following = state.withDefinition { $0.fireInstant(after: due.last!) }
            tasks[top.task]?.nextFire = following
            if let following {
                timers.insert(TimerEntry(at: following, task: top.task, version: state.version))
            }
            actions += handleDue(top.task, slots: due, total: total + 1, now: now)
            // Only `every_mode: after_finish` tasks rearm: the others skip a second look-up of their state.
            if state.withDefinition({ $0.every?.afterFinish == true }) { rearmAfterFinish(top.task, now: now) }
        }
        while let top = delayed.min, top.at <= now {
            delayed.removeMin()
            switch top.kind {
            case .decide:
                actions += decide(top.run, now: now)
            case .admit:
                guard tasks[top.run.task] != nil else { continue }
                tasks[top.run.task]!.waiting -= 1
                actions += admit(top.run, needsTaskIdle: false, now: now, alreadyQueued: true)
            }
        }
        for (serial, running) in runningRuns {
            if running.stopRequested == nil, let deadline = running.deadline, deadline <= now {
                runningRuns[serial]!.stopRequested = .timeout
                runningRuns[serial]!.stuckAt = deadline + (tasks[running.run.task]?.definition.timeoutGrace ?? 0)
                actions.append(.stop(running.run, reason: .timeout))
            }
            if let stuckAt = runningRuns[serial]!.stuckAt, stuckAt <= now, !running.stuckReported {
                runningRuns[serial]!.stuckReported = true
                actions.append(.stuck(running.run))
            }
        }
        actions += startWaiting(now: now)
        return actions
    }

    /// Decides a run asked for outside the schedule (an operator's trigger).
    public mutating func request(task: String, trigger: RunTrigger, now: Micros) -> [Action] {
        disarm()
        return decide(newRun(task, trigger, at: now), now: now)
    }

    /// Reports that a run ended (or was abandoned): frees its slots, schedules a retry or triggers dependent tasks
    /// and hooks, and starts waiting runs.
    public mutating func finished(serial: UInt64, end: RunEnd, now: Micros) -> [Action] {
        disarm()
        guard let running = runningRuns.removeValue(forKey: serial) else { return [] }
        if let group = running.group { groupRunning[group, default: 1] -= 1 }
        tasks[running.run.task]?.running.remove(serial)
        var actions: [Action] = []
        let run = running.run
        if let definition = tasks[run.task]?.definition, let retry = definition.retry, end.isRetryable,
           running.stopRequested != .replaced, run.attempt <= retry.attempts
        {
            let jitter = StableHash.offset(for: "\(run.task)|\(run.firstSerial)|\(run.attempt)", below: retry.jitter.micros)
            let due = now + retry.delay(beforeRetry: run.attempt).micros + jitter
            var next = newRun(run.task, .retry, at: due)
            next.attempt = run.attempt + 1
            next.firstSerial = run.firstSerial
            next.cause = run.cause
            delayed.insert(DelayedEntry(at: due, run: next, kind: .decide))
        } else {
            actions += triggerDependents(of: run, end: end, now: now)
        }
        rearmAfterFinish(run.task, now: now)
        actions += startWaiting(now: now)
        return actions
    }

    /// `every_mode: after_finish`: once the task has nothing running or waiting, its next slot is one interval
    /// from now (after a run ends, or after a slot was skipped).
    mutating func rearmAfterFinish(_ task: String, now: Micros) {
        guard var state = tasks[task], let every = state.definition.every, every.afterFinish,
              state.running.isEmpty, state.waiting == 0
        else { return }
        state.version += 1
        state.nextFire = now + every.every
        timers.insert(TimerEntry(at: now + every.every, task: task, version: state.version))
        tasks[task] = state
    }

    /// Drops every waiting and delayed run (graceful shutdown): none of them starts.
    public mutating func drainQueue(reason: String) -> [Action] {
        disarm()
        let actions = dropWaiting(reason: reason) { _ in true }
        delayed = Heap(delayed.unordered.filter { $0.kind == .admit })
        return actions
    }

    /// Pauses or resumes a task: a paused task's slots are skipped (recorded); manual runs still run.
    public mutating func setPaused(_ task: String, _ paused: Bool) {
        disarm()
        if paused { pausedNames.insert(task) } else { pausedNames.remove(task) }
        tasks[task]?.paused = paused
    }

    /// The wall clock jumped by `delta` (positive: forward or a suspend; negative: backward).
    ///
    /// Relative timers (retry delays, start-up delays, timeouts) move with it, so a step neither fires them early
    /// nor holds them back. Slots after a forward step are then due and handled by each task's catch-up policy.
    /// After a backward step every task's next slot is computed again from `now`; slots that repeat are refused by
    /// history's unique slot key, so none runs twice.
    public mutating func clockStepped(by delta: Micros, now: Micros) {
        disarm()
        delayed = Heap(delayed.unordered.map { entry in
            var entry = entry
            entry.at += delta
            return entry
        })
        for serial in runningRuns.keys {
            runningRuns[serial]!.deadline? += delta
            runningRuns[serial]!.stuckAt? += delta
        }
        guard delta < 0 else { return }
        for name in tasks.names {
            tasks[name]!.version += 1
            tasks[name]!.nextFire = tasks[name]!.definition.fireInstant(after: now)
            if let at = tasks[name]!.nextFire {
                timers.insert(TimerEntry(at: at, task: name, version: tasks[name]!.version))
            }
        }
    }

    // MARK: - Internals shared by the extensions

    mutating func newRun(_ task: String, _ trigger: RunTrigger, at instant: Micros) -> PendingRun {
        defer { nextSerial += 1 }
        return PendingRun(serial: nextSerial, task: task, trigger: trigger, scheduledAt: instant)
    }

    /// The slots of `definition` strictly after `instant` up to and including `end`, oldest first (at most
    /// 10,000 are listed), and how many there are in all (counted up to a million).
    func slots(of definition: TaskDefinition, after instant: Micros, through end: Micros) -> ([Micros], Int) {
        var slots: [Micros] = []
        var total = 0
        var cursor = instant
        while total < 1_000_000, let next = definition.fireInstant(after: cursor), next <= end {
            if slots.count < 10_000 { slots.append(next) } else { slots[slots.count - 1] = next }
            total += 1
            cursor = next
        }
        return (slots, total)
    }
}
