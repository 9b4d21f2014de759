public import History
public import Logging
public import PluginHost
public import ServiceLifecycle
import Foundation
import Synchronization

/// The scheduling service: one timer, one loop, the state machine's actions performed against history and the
/// plugin thread pool.
///
/// The loop sleeps until the state machine's next wake-up (a slot, a retry, a window opening, a timeout), or until
/// something rings its doorbell (a run ended, a reload, a manual trigger, shutdown). Plugin calls run on
/// `BlockingThreadPool` threads; each leaves its result (in `relay`, or in `endedRuns` for a task in a group) and
/// rings, and the loop records every run that ended at its next turn (many runs ending together cost one turn of
/// the actor, not one hop each). A pool thread whose run ends starts the next waiting run the loop offered it, if
/// any, on the spot (`RunRelay`, `Scheduler+Relay`). Shutdown waits for the runs and, after the grace period,
/// records the ones that ignore `should_stop` as abandoned.
public actor Scheduler: Service {
    let clock: any SchedulerClock
    let history: HistoryStore
    /// Queues the per-run rows and outcomes and commits them in groups off the dispatch path.
    let recorder: HistoryWriter
    let pool: BlockingThreadPool
    let logger: Logger
    let executorFor: @Sendable (ScheduledTask) -> any RunExecutor
    /// Called once the tasks are installed and the loop is about to start (the daemon gives freed start-up memory
    /// back to the system here).
    let afterStart: @Sendable () -> Void
    /// The running configuration generation.
    public private(set) var generation: Generation
    var machine: SchedulerStateMachine
    let doorbell = Doorbell()
    /// Runs whose plugin call returned, left by the pool threads for the loop.
    let endedRuns = EndedRuns()
    private let shutdownRequested = Atomic<Bool>(false)
    var pending: [SchedulerAction] = []
    var active: [UInt64: ActiveRun] = [:]
    /// History row ids of runs waiting in line, by serial.
    var queued: [UInt64: Int64] = [:]
    /// Callers of `requestRun` waiting for their run's first decision, by serial.
    var decisionWaiters: [UInt64: CheckedContinuation<RunDecision?, Never>] = [:]
    /// True while the loop dispatches runs (for `/ready`, and so alerts wait for start-up to run their tasks).
    public private(set) var isDispatching = false
    /// The id the next history row takes (ids are handed out here, so no run waits for its row to be written;
    /// see `HistoryWriter`).
    var nextRunID: Int64 = 1
    /// For each task, the latest slot that has a scheduled first-attempt row (from history at start, then every
    /// slot recorded since). A slot after it cannot be taken yet, so its row is queued without a look at the
    /// database; a slot at or before it (a backward clock step, catch-up runs after their skip row) is checked
    /// against the unique slot index first.
    var lastRecordedSlot: [String: Micros] = [:]
    /// Recently ended runs by serial: the first attempts retries point at, and the causes hooks describe.
    private var ended = RecentRuns(capacity: 4096)
    var paused: Set<String> = []
    /// Planned extra runs (`POST /tasks/{name}/run` with `at`/`delay`) by serial: their `planned_run` row, deleted
    /// once the run is decided.
    var plannedRows: [UInt64: Int64] = [:]
    /// Config overrides (a JSON object merged into the task's `config`) of requested runs, by serial.
    var configOverrides: [UInt64: String] = [:]
    /// Plugin calls of runs launched in this batch of actions, handed to the pool together at its end (or before
    /// the batch waits for the database): one lock and at most one wake-up for all of them.
    var launches: [@Sendable () -> Void] = []
    private var instanceUse: [ObjectIdentifier: (instance: PluginInstance, runs: Int)] = [:]
    private var retired: [ObjectIdentifier: PluginInstance] = [:]
    var phase: Phase = .running
    private var listeners: [@Sendable (SchedulerEvent) -> Void] = []
    private var wallOffset: Micros?
    private let throttle = LogThrottle(interval: 300_000_000)
    /// Rings the doorbell at the loop's next wake-up (a thread of its own with the system clock).
    let alarm: any SchedulerAlarm
    /// Waiting runs offered to pool threads, and the starts they made from them (`Scheduler+Relay`).
    nonisolated let relay = RunRelay()
    /// What a pool thread does with a call (`callRelaying`), made once.
    let callRelaying: @Sendable (PreparedCall, Micros) -> Void
    /// Open offers by serial (withdrawn, or recorded from their claim, before the state machine acts on the run).
    var offered: [UInt64: RunRelay.Offer] = [:]
    /// The ticket of the last waiting run the relay walk looked at (0: walk from the front of the line).
    var relayCursor: UInt64 = 0
    /// The lines of released instants whose calls are not all ended and collected (`Scheduler+Arming`).
    var lines: [ReleasedLine] = []
    /// Where each run waiting in a released line is, by serial (withdrawn, or recorded from its claim, before the
    /// state machine acts on the run), like `offered` for the relay's offers.
    var lined: [UInt64: (line: ReleasedLine, index: Int)] = [:]
    /// What a pool thread does with a released line (`callLine`), made once.
    let callLine: @Sendable (ReleasedLine) -> Void
    /// Runs that pool threads started from released lines since the scheduler was made (for tests).
    var lineClaims = 0
    /// The rows of released instants the scheduler holds for their runs' starts and outcomes, in release (and id)
    /// order (`HeldRows`, `releasedRowsWait`).
    var heldRows: [HeldRows] = []
    /// Calls made ready for slots decided ahead of their instant (`Scheduler+Arming`).
    var armedCalls: ArmedCalls?
    /// The last instant the loop tried to arm (each is tried once).
    var lastArmedInstant: Micros?

    /// How far the wall clock may drift from the monotonic clock between two looks before it counts as a step.
    static let stepTolerance: Micros = 2_000_000

    enum Phase {
        case running
        case draining(deadline: Micros)
        case hurrying
    }

    /// A run calling its plugin.
    final class ActiveRun: Sendable {
        /// Its plugin call, which holds the run, its row id, its task and its control: referred to, not copied (a
        /// copy of the run and the task was a retain and a release of each of their fields per run; perf counted
        /// 12 % of the scheduler's samples in `swift_retain` alone, steady workload).
        let call: PreparedCall
        let startedAt: Micros
        // Only read and written on the scheduler actor.
        nonisolated(unsafe) var stopReason: StopReason?
        /// Asked to stop because the daemon is shutting down (its row then says so). Only used on the actor.
        nonisolated(unsafe) var stoppedForShutdown = false
        /// False while the start of a run handed out ahead of its instant is not known yet (`begin`). Only used on
        /// the actor.
        nonisolated(unsafe) var startAnnounced = true
        /// False when its row's start was not queued at its start: `complete` writes it with the outcome
        /// (`recordStart`).
        let startWritten: Bool

        init(call: PreparedCall, startedAt: Micros, startWritten: Bool = true) {
            self.call = call
            self.startedAt = startedAt
            self.startWritten = startWritten
        }

        var id: Int64 { call.id }
        var run: PendingRun { call.run }
        var task: ScheduledTask { call.task }
        var control: RunControl { call.control }
    }

    /// Creates the scheduler for an initial generation.
    /// - Parameter executor: picks how each task's runs are carried out (in process or in a worker).
    public init(
        generation: Generation, history: HistoryStore, clock: any SchedulerClock, pool: BlockingThreadPool,
        logger: Logger,
        executor: @escaping @Sendable (ScheduledTask) -> any RunExecutor = { _ in InProcessExecutor() },
        afterStart: @escaping @Sendable () -> Void = {}
    ) {
        self.executorFor = executor
        self.afterStart = afterStart
        self.generation = generation
        self.history = history
        self.clock = clock
        self.pool = pool
        self.logger = logger
        self.machine = SchedulerStateMachine(maxRunning: generation.config.maxRunning)
        self.recorder = HistoryWriter(store: history) { [logger] message, changes in
            logger.error("history.write.failed", metadata: ["error": "\(message)", "changes": "\(changes)"])
        }
        self.callRelaying = Self.callRelaying(relay: relay, clock: clock, endedRuns: endedRuns, doorbell: doorbell)
        self.callLine = Self.callLine(clock: clock, doorbell: doorbell)
        self.alarm = clock.makeAlarm { [doorbell] in doorbell.ring() }
    }

    /// Registers a callback for scheduler events (tests and metrics). Called on the actor; keep it cheap.
    public func observe(_ listener: @escaping @Sendable (SchedulerEvent) -> Void) {
        listeners.append(listener)
    }

    /// Runs until graceful shutdown, then drains: stops dispatching, asks running runs to stop, waits up to
    /// `shutdown.grace_period`, records every outcome, and returns.
    public func run() async throws {
        let lastSlots = await write { try await $0.lastScheduledSlots() } ?? [:]
        lastRecordedSlot = lastSlots
        nextRunID = await write { try await $0.nextRunID() } ?? 1
        paused = await write { try await $0.pausedTasks() } ?? []
        let now = clock.now()
        wallOffset = now - clock.monotonic()
        for task in paused { machine.setPaused(task, true) }
        pending += machine.install(
            generation.tasks.definitions, maxRunning: generation.config.maxRunning,
            groups: generation.config.groups,
            groupRateLimits: generation.config.groupRateLimits.mapValues(TaskDefinition.Limit.init), now: now,
            startup: true, lastSlots: lastSlots, index: generation.taskIndex)
        await restorePlannedRuns()
        logger.info("scheduler.started", metadata: [
            "tasks": "\(generation.tasks.count)", "paused": "\(paused.sorted())",
        ])
        afterStart()
        isDispatching = true
        await withGracefulShutdownHandler {
            await self.loop()
        } onGracefulShutdown: {
            self.shutdownRequested.store(true, ordering: .sequentiallyConsistent)
            self.doorbell.ring()
        }
        await drain()
        alarm.stop()
        isDispatching = false
        for waiter in decisionWaiters.values { waiter.resume(returning: nil) }
        decisionWaiters.removeAll()
        for (_, entry) in instanceUse where entry.runs == 0 { entry.instance.destroy() }
        // Every row and outcome queued, the abandoned runs' included, is committed before the daemon exits.
        await recorder.flush()
        logger.info("scheduler.stopped")
    }

    /// Swaps to a new generation. Running runs finish under the generation they started in; tasks whose schedule
    /// did not change keep their next slot; changed schedules take effect from their next slot.
    public func apply(_ next: Generation) {
        revokeOffers()
        let previous = generation
        generation = next
        let kept = Set(next.tasks.compactMap { $0.instance.map(ObjectIdentifier.init) })
        for task in previous.tasks {
            guard let instance = task.instance, !kept.contains(ObjectIdentifier(instance)) else { continue }
            retire(instance)
        }
        pending += machine.install(
            next.tasks.definitions, maxRunning: next.config.maxRunning, groups: next.config.groups,
            groupRateLimits: next.config.groupRateLimits.mapValues(TaskDefinition.Limit.init), now: clock.now(),
            index: next.taskIndex)
        for task in paused { machine.setPaused(task, true) }
        emit(.reloaded(generation: next.number))
        doorbell.ring()
    }

    /// Asks for a run of `task` now, outside its schedule (the overlap policy still applies).
    /// - Returns: false when no such task is scheduled or the daemon is shutting down.
    @discardableResult
    public func trigger(task: String, trigger: RunTrigger = .manual) -> Bool {
        guard generation.task(named: task) != nil, case .running = phase else { return false }
        pending += machine.request(task: task, trigger: trigger, now: clock.now())
        doorbell.ring()
        return true
    }

    /// Pauses or resumes a task, durably (kept across restarts and reloads). A paused task's slots are recorded
    /// as skipped; manual triggers still run.
    /// - Returns: false when no such task is configured.
    @discardableResult
    public func setPaused(task: String, _ isPaused: Bool) async -> Bool {
        guard generation.task(named: task) != nil else { return false }
        let now = clock.now()
        guard await write({ try await $0.setPaused(task, isPaused, at: now) }) != nil else { return false }
        if isPaused { paused.insert(task) } else { paused.remove(task) }
        machine.setPaused(task, isPaused)
        logger.notice(isPaused ? "task.paused" : "task.resumed", metadata: ["task.name": "\(task)"])
        return true
    }

    /// Whether a task is paused.
    public func isPaused(task: String) -> Bool { paused.contains(task) }

    /// Shortens the shutdown wait: runs still going are abandoned now (a second SIGTERM/SIGINT).
    public func hurry() {
        guard case .draining = phase else { return }
        phase = .hurrying
        logger.warning("scheduler.shutdown.hurry", metadata: ["runs.active": "\(active.count)"])
        doorbell.ring()
    }

    /// The next fire instant of a task (microseconds), if it has one.
    public func nextFire(of task: String) -> Micros? { machine.nextFire(of: task) }

    /// How many runs are calling their plugin, and how many wait for a slot.
    public var load: (running: Int, queued: Int) { (machine.runningCount, machine.queuedCount) }

    // MARK: - The loop

    private func loop() async {
        while case .running = phase {
            recordEndedRuns()
            // Cancellation (a service of the group failed) ends the loop like a shutdown request; otherwise the
            // cancelled sleeps below would return at once and the loop would spin.
            if shutdownRequested.load(ordering: .sequentiallyConsistent) || Task.isCancelled {
                beginShutdown()
                break
            }
            let now = clock.now()
            noticeClockStep(now: now)
            releaseArmed(now: now)
            releaseHeldRows { $0.deadline <= now }
            pending += machine.advance(to: now)
            await perform()
            guard case .running = phase else { break }
            let wake = machine.nextWakeup
            armAhead(wake: wake)
            await sleep(until: loopWakeup(after: wake))
        }
    }

    /// Compares the wall clock with the monotonic clock: a jump between two looks is a clock step (NTP, an
    /// operator, a VM restore), which the state machine absorbs so relative timers neither fire early nor late.
    private func noticeClockStep(now: Micros) {
        let offset = now - clock.monotonic()
        defer { wallOffset = offset }
        guard let previous = wallOffset else { return }
        let delta = offset - previous
        guard abs(delta) > Self.stepTolerance else { return }
        logger.warning("clock.stepped", metadata: [
            "delta.s": "\(Double(delta) / 1_000_000)",
            "direction": "\(delta > 0 ? "forward" : "backward")",
        ])
        machine.clockStepped(by: delta, now: now)
        emit(.clockStepped(deltaMicros: delta))
    }

    private func drain() async {
        pending += machine.drainQueue(reason: "daemon shutting down before the run could start")
        await perform()
        for run in active.values {
            run.stoppedForShutdown = true
            run.control.requestStop()
        }
        while true {
            recordEndedRuns()
            if active.isEmpty { break }
            let now = clock.now()
            // Cancelled: sleeping for the grace period is impossible (it returns at once); abandon now.
            if Task.isCancelled, case .draining = phase { phase = .hurrying }
            switch phase {
            case .running:
                phase = .draining(deadline: now + generation.config.shutdownGracePeriod.micros)
                continue
            case .draining(let deadline) where now < deadline:
                await sleep(until: deadline)
                continue
            case .draining, .hurrying:
                logger.warning("scheduler.shutdown.abandon", metadata: ["runs.active": "\(active.count)"])
                // Recorded with no result (`interrupted`); if a plugin returns later, its result is dropped.
                for serial in active.keys.sorted() { complete(serial: serial, completion: nil) }
            }
        }
        await perform()
        releaseHeldRows { _ in true }
    }

    /// Records the runs whose plugin call returned since the last look.
    private func recordEndedRuns() {
        // The relay's claims first: a run a pool thread started is counted before the end that made room for it,
        // and before its own end.
        let relayed = relay.take()
        recordClaims(relayed.claims)
        let lineEnds = collectLines()
        for end in endedRuns.takeAll() { complete(end) }
        for end in relayed.ends { complete(end) }
        for end in lineEnds { complete(end) }
        // Every run of a settled line is recorded now, outcome included: its instant's rows need not wait longer.
        releaseHeldRows { $0.line.isSettled }
    }

    private func beginShutdown() {
        guard case .running = phase else { return }
        isDispatching = false
        revokeOffers()
        // Slots decided ahead are not due yet: they leave no trace.
        machine.disarm()
        forgetArmedCalls()
        phase = .draining(deadline: clock.now() + generation.config.shutdownGracePeriod.micros)
        logger.info("scheduler.shutdown.begin", metadata: [
            "runs.active": "\(active.count)", "grace": "\(generation.config.shutdownGracePeriod)",
        ])
        doorbell.ring()
    }

    private func sleep(until deadline: Micros?) async {
        // Under load a run ended (or a request came) while the loop was busy: go round again without waiting,
        // but only after letting the calls waiting for the actor in (a reload, an API request, ended runs): with
        // history writes no longer awaited, this may be the loop's only suspension point.
        if doorbell.consumeRing() {
            await Task.yield()
            return
        }
        alarm.set(deadline)
        await doorbell.wait()
    }

    // MARK: - Actions

    private func perform() async {
        while !pending.isEmpty {
            // Runs that end keep adding the next queued start; without this check a long line would keep the
            // loop here, starting runs, long after SIGTERM.
            if case .running = phase, shutdownRequested.load(ordering: .sequentiallyConsistent) || Task.isCancelled {
                beginShutdown()
            }
            let batch = pending
            pending.removeAll()
            for (index, action) in batch.enumerated() {
                switch action {
                case .start, .startQueued:
                    break
                default:
                    // Runs launched so far go first: the other actions write rows (and may wait for the database).
                    submitLaunches()
                }
                await perform(action)
                // In a long batch (thousands of runs due at once), the runs queued so far are offered while the
                // rest are recorded, so pool threads start them meanwhile.
                if index % Self.offerStride == Self.offerStride - 1 { publishOffers() }
            }
            submitLaunches()
        }
        publishOffers()
    }

    /// How many actions of a batch are performed between two looks for runs to offer the relay.
    static let offerStride = 128

    /// Hands the plugin calls launched so far to the pool.
    func submitLaunches() {
        guard !launches.isEmpty else { return }
        pool.submit(contentsOf: launches)
        launches.removeAll(keepingCapacity: true)
    }

    private func perform(_ action: SchedulerAction) async {
        switch action {
        case .skip(let run, _), .dropQueued(let run, _):
            configOverrides[run.serial] = nil
        default:
            break
        }
        if case .running = phase {} else {
            switch action {
            case .start(let run), .startQueued(let run):
                await refuseStart(run)
                return
            default:
                break
            }
        }
        switch action {
        case .start(let run):
            guard let task = scheduledTask(named: run.task) else {
                pending += machine.finished(serial: run.serial, end: .cancelled, now: clock.now())
                submitLaunches()
                await settlePlanned(run.serial)
                decided(run.serial, nil)
                return
            }
            let now = clock.now()
            var record = record(for: run, plugin: task.plugin.name, status: .running)
            record.startedAt = now
            guard let id = await insertRow(record, deciding: run.serial) else {
                logger.debug("slot.taken", metadata: ["task.name": "\(run.task)", "slot": "\(run.scheduledAt)"])
                pending += machine.finished(serial: run.serial, end: .cancelled, now: now)
                decided(run.serial, nil)
                return
            }
            decided(run.serial, RunDecision(id: id, status: .running, reason: nil))
            launch(prepareCall(run, id: id, task: task), at: now)
        case .startQueued(let run):
            // Offered, and a pool thread started it first: its claim records the start.
            guard withdrawOffer(of: run.serial) else { return }
            let now = clock.now()
            guard let id = queued.removeValue(forKey: run.serial), let task = scheduledTask(named: run.task) else {
                pending += machine.finished(serial: run.serial, end: .cancelled, now: now)
                return
            }
            writeHistory(.markStarted(id: id, at: now))
            launch(prepareCall(run, id: id, task: task), at: now)
        case .queue(let run, let reason):
            let plugin = scheduledTask(named: run.task)?.plugin.name ?? ""
            var record = record(for: run, plugin: plugin, status: .queued)
            record.queuedAt = clock.now()
            let id = await insertRow(record, deciding: run.serial)
            decided(run.serial, id.map { RunDecision(id: $0, status: .queued, reason: reason) })
            if let id { followQueued(run, id: id, reason: reason) }
        case .skip(let run, let reason):
            let plugin = scheduledTask(named: run.task)?.plugin.name ?? ""
            var record = record(for: run, plugin: plugin, status: .skipped)
            record.finishedAt = clock.now()
            record.error = reason
            let id = await insertRow(record, deciding: run.serial)
            decided(run.serial, id.map { RunDecision(id: $0, status: .skipped, reason: reason) })
            if let id {
                if let held = throttle.allow("skip|\(run.task)|\(reason.prefix(24))", now: clock.now()) {
                    logger.notice("run.skipped", metadata: [
                        "task.name": "\(run.task)", "run.id": "\(id)", "reason": "\(reason)",
                        "similar.held_back": "\(held)",
                    ])
                }
                emit(.skipped(task: run.task, runID: id, reason: reason))
                emit(.finished(task: run.task, runID: id, status: .skipped, durationMicros: nil))
            }
        case .dropQueued(let run, let reason):
            // Offered, and a pool thread started it first: it runs, and its claim puts it back among the running.
            guard withdrawOffer(of: run.serial) else { return }
            if let id = queued.removeValue(forKey: run.serial) {
                let now = clock.now()
                writeHistory(.finish(id: id, status: .cancelled, at: now, error: reason, output: nil))
                logger.notice("run.dropped", metadata: [
                    "task.name": "\(run.task)", "run.id": "\(id)", "reason": "\(reason)",
                ])
                emit(.finished(task: run.task, runID: id, status: .cancelled, durationMicros: nil))
            }
        case .stop(let run, let reason):
            guard let active = active[run.serial] else { return }
            active.stopReason = reason
            active.control.requestStop()
            switch reason {
            case .timeout:
                logger.warning("run.timeout", metadata: [
                    "task.name": "\(run.task)", "run.id": "\(active.id)",
                    "timeout": "\(active.task.spec.timeout.map { "\($0)" } ?? "-")",
                ])
                emit(.timedOut(task: run.task, runID: active.id))
            case .replaced:
                logger.notice("run.replaced", metadata: ["task.name": "\(run.task)", "run.id": "\(active.id)"])
            case .cancelled:
                logger.notice("run.cancel", metadata: ["task.name": "\(run.task)", "run.id": "\(active.id)"])
            }
        case .stuck(let run):
            guard let active = active[run.serial] else { return }
            logger.error("run.stuck", metadata: [
                "task.name": "\(run.task)", "run.id": "\(active.id)",
                "running.s": "\((clock.now() - active.startedAt) / 1_000_000)",
                "hint": "the plugin ignores should_stop; use isolation: process to have it killed",
            ])
            emit(.stuck(task: run.task, runID: active.id))
        }
    }

    /// Queues a new history row and returns its id, or nil when its slot already has a row.
    ///
    /// Only a scheduled first attempt has a slot to take, and only one at or before its task's last recorded
    /// slot can find it taken (after a backward clock step, or a catch-up run queued after its group's skip row):
    /// that one waits for the database's answer. Every other row is queued and its id returned at once.
    ///
    /// The row decides the run `serial`: if that is a planned run, its `planned_run` row is deleted in the same
    /// commit (so after a crash the run is either in history or still planned, never both or neither).
    private func insertRow(_ record: RunRecord, deciding serial: UInt64) async -> Int64? {
        // Rows go to the writer in id order (a task's rows are linked in the order they are written).
        releaseHeldRows { _ in true }
        // An event disarmed the slots decided ahead: their ids go to the rows that come instead.
        if let armed = armedCalls, machine.armedInstant != armed.instant { forgetArmedCalls() }
        var record = record
        let id = nextRunID
        nextRunID += 1
        record.id = id
        let planned = plannedRows.removeValue(forKey: serial)
        guard record.attempt == 1, record.trigger == .schedule || record.trigger == .catchUp else {
            recorder.enqueue(.insert(record, settlingPlan: planned))
            return id
        }
        let last = noteRecordedSlot(of: record.task, at: record.scheduledAt)
        if let last, record.scheduledAt <= last {
            // Runs launched before this row must not wait for the database's answer.
            submitLaunches()
            return await recorder.insertChecked(record, settlingPlan: planned) ? id : nil
        }
        recorder.enqueue(.insert(record, settlingPlan: planned))
        return id
    }

    /// Shutting down: a run the state machine let start is recorded `cancelled` instead (its slot keeps its one
    /// row), and nothing it would trigger follows.
    private func refuseStart(_ run: PendingRun) async {
        let now = clock.now()
        let reason = "daemon shutting down before the run could start"
        var id = queued.removeValue(forKey: run.serial)
        if let existing = id {
            writeHistory(.finish(id: existing, status: .cancelled, at: now, error: reason, output: nil))
        } else {
            var record = record(for: run, plugin: generation.task(named: run.task)?.plugin.name ?? "", status: .cancelled)
            record.finishedAt = now
            record.error = reason
            id = await insertRow(record, deciding: run.serial)
        }
        _ = machine.finished(serial: run.serial, end: .interrupted, now: now)
        decided(run.serial, id.map { RunDecision(id: $0, status: .cancelled, reason: reason) })
        if let id { emit(.finished(task: run.task, runID: id, status: .cancelled, durationMicros: nil)) }
    }

    /// Notes that `task`'s slot `slot` has a scheduled first-attempt row now.
    /// - Returns: the task's last recorded slot before it.
    @discardableResult
    func noteRecordedSlot(of task: String, at slot: Micros) -> Micros? {
        let last = lastRecordedSlot[task]
        lastRecordedSlot[task] = max(last ?? slot, slot)
        return last
    }

    /// Follows a run whose `queued` row was just queued: it waits in line for a slot.
    func followQueued(_ run: PendingRun, id: Int64, reason: @autoclosure () -> String) {
        queued[run.serial] = id
        // Debug: under load most runs wait a moment for a slot; `run.started` says how late each began.
        logger.debug("run.queued", metadata: [
            "task.name": "\(run.task)", "run.id": "\(id)", "reason": "\(reason())",
        ])
        emit(.queued(task: run.task, runID: id))
    }

    func record(for run: PendingRun, plugin: String, status: RunStatus) -> RunRecord {
        var record = RunRecord(
            task: run.task, plugin: plugin, trigger: run.trigger.historyKind, scheduledAt: run.scheduledAt,
            status: status, attempt: run.attempt)
        if run.attempt > 1 { record.firstRunID = ended[run.firstSerial]?.id }
        return record
    }

    private func launch(_ call: PreparedCall, at startedAt: Micros) {
        begin(ActiveRun(call: call, startedAt: startedAt))
        let callRelaying = self.callRelaying
        launches.append { callRelaying(call, startedAt) }
    }

    /// Makes run `run`'s plugin call ready for a pool thread (its executor, with the run's config override, and its
    /// context).
    func prepareCall(_ run: PendingRun, id: Int64, task: ScheduledTask, control: RunControl = RunControl())
        -> PreparedCall
    {
        let (callTask, executor) = executor(for: task, serial: run.serial)
        return PreparedCall(
            run: run, id: id, task: task, callTask: callTask, executor: executor, control: control,
            contextJSON: contextJSON(for: run), logger: logger)
    }

    /// What a pool thread does with a call: carries it out, then leaves the ended run for the loop and rings. For a
    /// task without a group it leaves the end with the relay, in the same step taking the relay's next offer for
    /// the freed slot, and carries that call out on the same thread; again when that one returns, until no offer
    /// is left. Made once, in `init`.
    ///
    /// A call may come before its start: a slot released ahead of its instant (`releaseLead`), a run the state
    /// machine started from the line meanwhile, or an offer of such a run claimed early. The thread waits for it (at
    /// most `releaseLead`: a later start is a wall-clock step, not an early release), the run's end reports when the
    /// call really began, and a stop requested while it waits (shutdown, cancel) ends the run without calling the
    /// plugin.
    static func callRelaying(relay: RunRelay, clock: any SchedulerClock, endedRuns: EndedRuns, doorbell: Doorbell)
        -> @Sendable (PreparedCall, Micros) -> Void
    {
        return { first, firstStart in
            let scratch = ErrorScratch()
            var (call, startedAt) = (first, firstStart)
            while true {
                let began = start(
                    scheduledAt: call.run.scheduledAt, recordedAt: startedAt, now: clock.now(), clock: clock,
                    stopRequested: { call.control.isStopRequested })
                let completion = began.map { call.execute(startedAt: $0, scratch: scratch) } ?? notCalled
                guard let slotTask = call.slotTask else {
                    endedRuns.add(.init(call.run.serial, completion, began))
                    doorbell.ring()
                    return
                }
                // The claim and the end are left in one step: the loop learns of the start with the end.
                let next = relay.end(.init(call.run.serial, completion, began), slotOf: slotTask, now: clock.now())
                doorbell.ring()
                guard let next else { return }
                (call, startedAt) = (next.offer.call, next.startedAt)
            }
        }
    }

    /// What a pool thread handed out at a release does with the instant's line (`ReleasedLine`): waits for the
    /// instant holding no call (or until the line is closed), takes the next of the calls the release started (and
    /// leaves if another thread took them all), carries it out (waiting for its start, as `callRelaying` does), claims
    /// the next call, then publishes the end and rings; again with the claimed call, until the line has none left
    /// for it. A call whose run was asked to stop before it began (shutdown, cancel) ends without a plugin call.
    /// Made once, in `init`.
    static func callLine(clock: any SchedulerClock, doorbell: Doorbell) -> @Sendable (ReleasedLine) -> Void {
        return { line in
            let scratch = ErrorScratch()
            _ = clock.block(until: line.instant, stopRequested: { line.isClosed })
            // One clock read a run: the one its claim was made at.
            var now = clock.now()
            guard var index = line.takeStarting(now: now) else { return }
            while true {
                // From the call's slot: the call object itself is not touched (`ReleasedLine.Slot`).
                let began = line.isStopRequested(index) ? nil : start(
                    scheduledAt: line.scheduledAt(index), recordedAt: line.start(of: index), now: now, clock: clock,
                    stopRequested: { line.isStopRequested(index) })
                let completion = began.map { line.execute(index, startedAt: $0, scratch: scratch) } ?? notCalled
                now = clock.now()
                // The claim before the end: the loop learns of the start with the end whose slot it took.
                let next = line.claim(now: now)
                line.end(index, completion: completion, startedAt: began)
                doorbell.ring()
                guard let next else { return }
                index = next
            }
        }
    }

    /// How a run ends that was asked to stop before it began (its `began` is nil).
    static let notCalled = RunCompletion.returned(RunResult(
        status: .cancelled, message: "asked to stop before it began; the plugin was not called", output: nil))

    /// When a call for the slot `scheduledAt`, recorded as starting at `recordedAt`, begins: then, or (a start or a
    /// slot ahead of `now` by at most `releaseLead`) when the pool thread has waited for it. Nil when
    /// `stopRequested` turned true while it waited.
    static func start(
        scheduledAt: Micros, recordedAt: Micros, now: Micros, clock: any SchedulerClock, stopRequested: () -> Bool
    ) -> Micros? {
        guard let earliest = waitedFor(scheduledAt: scheduledAt, recordedAt: recordedAt, now: now) else {
            return recordedAt
        }
        return clock.block(until: earliest, stopRequested: stopRequested) ? clock.now() : nil
    }

    /// The instant a pool thread waits for before calling `run`, recorded as starting at `recordedAt`: the later of
    /// that and its slot, when it is ahead of `now` by at most `releaseLead`; nil when the call is made at once.
    static func waitedFor(scheduledAt: Micros, recordedAt: Micros, now: Micros) -> Micros? {
        let earliest = max(recordedAt, scheduledAt)
        return earliest > now && earliest - now <= releaseLead ? earliest : nil
    }

    /// Follows a run whose plugin call starts now (launched here, or started by a pool thread from an offer):
    /// counts its instance in use, logs and announces the start. A run handed out ahead of its instant
    /// (`releaseLead`) is announced when it ends, with the start its pool thread reports: until then its start is a
    /// plan, not a measurement, and the lateness it would give (`run.started`, the fire-lateness metric) a guess.
    func begin(_ run: ActiveRun) {
        active[run.run.serial] = run
        if let instance = run.task.instance {
            instanceUse[ObjectIdentifier(instance), default: (instance, 0)].runs += 1
        }
        if Self.waitedFor(scheduledAt: run.run.scheduledAt, recordedAt: run.startedAt, now: clock.now()) != nil {
            run.startAnnounced = false
            return
        }
        announceStart(of: run, at: run.startedAt)
    }

    private func announceStart(of run: ActiveRun, at startedAt: Micros) {
        run.startAnnounced = true
        // The plugin's own lines get the run's metadata where they are logged (the executor adds it, on the pool
        // thread); this line carries it itself, built only when the line is logged.
        logger.log(level: successLogLevel, "run.started", metadata: [
            "task.name": "\(run.run.task)", "run.id": "\(run.id)", "plugin.name": "\(run.task.plugin.name)",
            "trigger": "\(run.run.trigger.rawValue)", "attempt": "\(run.run.attempt)",
            "lateness.us": "\(startedAt - run.run.scheduledAt)",
        ])
        emit(.started(task: run.run.task, runID: run.id, latenessMicros: startedAt - run.run.scheduledAt))
    }

    /// The level of the lines about runs that go well (`run.started`, a successful `run.finished`): `info`, or
    /// `debug` with `log.runs: failures`.
    private var successLogLevel: Logger.Level { generation.config.log.runs == .all ? .info : .debug }

    /// The run's context for the plugin: for a hook or dependent run, which run triggered it and how it ended.
    func contextJSON(for run: PendingRun) -> String {
        // Most runs have nothing to say: no JSON to build for them.
        if run.cause == nil, run.context == nil, run.attempt == 1 { return "{}" }
        var context: [String: Any] = [:]
        if let cause = run.cause {
            var described: [String: Any] = ["task": cause.task, "status": cause.end.rawValue]
            if let prior = ended[cause.serial] {
                described["run_id"] = prior.id
                if let error = prior.error { described["error"] = error }
            }
            context["cause"] = described
        }
        if run.attempt > 1, let first = ended[run.firstSerial] {
            context["first_run_id"] = first.id
        }
        if let extra = run.context,
           let object = try? JSONSerialization.jsonObject(with: Data(extra.utf8)) as? [String: Any]
        {
            context.merge(object) { ours, _ in ours }
        }
        guard !context.isEmpty,
              let data = try? JSONSerialization.data(withJSONObject: context, options: [.sortedKeys])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Records how a run ended (nil: abandoned at shutdown) and applies what follows (the next queued start, a
    /// retry, dependents); called by the loop, which performs the resulting actions next.
    private func complete(_ end: RunRelay.End) {
        complete(serial: end.serial, completion: end.completion, began: end.startedAt)
    }

    /// Records how run `serial` ended; `began`: when its plugin call began, if the pool thread said (the row's start
    /// becomes that when it differs from the recorded one: a run released ahead of its slot's instant). A run
    /// handed out ahead whose plugin was never called (nil) is never announced as started.
    private func complete(serial: UInt64, completion: RunCompletion?, began: Micros? = nil) {
        guard let run = active.removeValue(forKey: serial) else { return }
        configOverrides[serial] = nil
        let now = clock.now()
        let outcome = Self.outcome(of: run, completion: completion)
        let start = began ?? run.startedAt
        if !run.startAnnounced, let began { announceStart(of: run, at: began) }
        writeHistory(.finish(
            id: run.id, status: outcome.status, at: now, error: outcome.error, output: outcome.output,
            startedAt: start == run.startedAt && run.startWritten ? nil : start))
        ended[serial] = .init(id: run.id, error: outcome.error)
        func metadata() -> Logger.Metadata {
            var metadata: Logger.Metadata = [
                "task.name": "\(run.run.task)", "run.id": "\(run.id)", "status": "\(outcome.status.rawValue)",
                "duration.ms": "\(Double(now - start) / 1000)",
            ]
            if let error = outcome.error { metadata["error"] = "\(error)" }
            return metadata
        }
        if outcome.status == .succeeded {
            // Built only if the line is logged: with `log.runs: failures` it is not, thousands of times a second.
            logger.log(level: successLogLevel, "run.finished", metadata: metadata())
        } else if let held = throttle.allow("end|\(run.run.task)|\(outcome.status.rawValue)", now: now) {
            // A task that keeps failing logs a warning every few minutes, with the count in between; the
            // others go to debug (and every one of them to history).
            var metadata = metadata()
            metadata["similar.held_back"] = "\(held)"
            logger.warning("run.finished", metadata: metadata)
        } else {
            logger.debug("run.finished", metadata: metadata())
        }
        emit(.finished(
            task: run.run.task, runID: run.id, status: outcome.status, durationMicros: now - start))
        if completion != nil, let instance = run.task.instance {
            let key = ObjectIdentifier(instance)
            instanceUse[key]?.runs -= 1
            if instanceUse[key]?.runs == 0, let instance = retired.removeValue(forKey: key) {
                instanceUse[key] = nil
                pool.submit { instance.destroy() }
            }
        }
        if case .running = phase {
            pending += machine.finished(serial: serial, end: outcome.end, now: now)
        } else {
            // Shutting down: free the run's slot but start nothing new (no retries, no hooks).
            _ = machine.finished(serial: serial, end: .interrupted, now: now)
            // Runs still waiting are recorded cancelled by the drain, never left `queued`.
            pending += machine.drainQueue(reason: "daemon shutting down before the run could start")
        }
    }

    struct Outcome {
        var status: RunStatus
        var end: RunEnd
        var error: String?
        var output: String?
    }

    private static func outcome(of run: ActiveRun, completion: RunCompletion?) -> Outcome {
        var timeoutNote: String {
            run.task.spec.timeout.map { "timed out after \(TaskDefinition.durationText($0.micros))" } ?? "timed out"
        }
        switch completion {
        case nil:
            return Outcome(
                status: .interrupted, end: .interrupted,
                error: "abandoned at shutdown: the plugin did not return within the grace period")
        case .crashed(let reason, let output):
            if run.stopReason == .timeout {
                return Outcome(status: .timedOut, end: .timedOut, error: "\(timeoutNote); \(reason)", output: output)
            }
            return Outcome(status: .crashed, end: .crashed, error: reason, output: output)
        case .returned(let result):
            let message = result.message.isEmpty ? nil : result.message
            switch run.stopReason {
            case .timeout:
                return Outcome(
                    status: .timedOut, end: .timedOut, error: timeoutNote + (message.map { ": \($0)" } ?? ""),
                    output: result.output)
            case .replaced:
                return Outcome(
                    status: .cancelled, end: .cancelled, error: "replaced by a newer run (overlap: replace)",
                    output: result.output)
            case .cancelled:
                return Outcome(
                    status: .cancelled, end: .cancelled,
                    error: "cancelled by an operator" + (message.map { ": \($0)" } ?? ""), output: result.output)
            case nil:
                break
            }
            // Only for failures: interpolating the status enum goes through reflection, and most runs succeed.
            var described: String { message ?? "the plugin reported \(result.status) without a message" }
            switch result.status {
            case .ok:
                return Outcome(status: .succeeded, end: .succeeded, output: result.output)
            case .cancelled:
                let error = message ?? "stopped on request"
                return Outcome(
                    status: .cancelled, end: .cancelled,
                    error: run.stoppedForShutdown ? "\(error) (the daemon is shutting down)" : error,
                    output: result.output)
            case .configError, .permanent:
                return Outcome(status: .failed, end: .failedPermanently, error: described, output: result.output)
            case .error, .retryable, .unknown:
                return Outcome(status: .failed, end: .failed, error: described, output: result.output)
            }
        }
    }

    private func retire(_ instance: PluginInstance) {
        let key = ObjectIdentifier(instance)
        if let use = instanceUse[key], use.runs > 0 {
            retired[key] = instance
        } else {
            instanceUse[key] = nil
            pool.submit { instance.destroy() }
        }
    }

    /// Records a run's start or outcome: into its row, if the scheduler still holds it (`heldRows`), else as a
    /// change queued to the history writer.
    func writeHistory(_ change: HistoryWriter.Change) {
        for index in heldRows.indices {
            if heldRows[index].fold(change) { return }
        }
        recorder.enqueue(change)
    }

    /// Queues the held rows of every released instant up to the last one `isDue` picks, earlier ones included (rows go
    /// to the writer in id order), and starts their commit: those rows waited long enough.
    func releaseHeldRows(where isDue: (HeldRows) -> Bool) {
        guard let last = heldRows.lastIndex(where: isDue) else { return }
        for held in heldRows[...last] {
            for record in held.records { recorder.enqueue(.insert(record, settlingPlan: nil)) }
        }
        heldRows.removeFirst(last + 1)
        recorder.commitNow()
    }

    /// Reads or writes history off the per-run path (start-up reads, pauses; runs go through `recorder`); a
    /// failure is logged and never stops the scheduler.
    ///
    /// The call runs in its own task so that it is never cancelled with the caller (a scheduler cancelled at
    /// shutdown still finishes it).
    func write<T: Sendable>(_ body: @escaping @Sendable (HistoryStore) async throws -> T) async -> T? {
        let history = self.history
        do {
            return try await Task { try await body(history) }.value
        } catch {
            logger.error("history.write.failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// A task of the running generation by name. Reads the generation's index and task list in place: calling
    /// `generation.task(named:)` on the actor's stored generation copied the whole `Generation` (a retain and a
    /// release of each of its fields) for every run decided (perf, 10,000-task burst).
    func scheduledTask(named name: String) -> ScheduledTask? {
        guard let index = generation.taskIndex[name] else { return nil }
        return generation.tasks[Int(index)]
    }

    func emit(_ event: SchedulerEvent) {
        for listener in listeners { listener(event) }
    }
}

/// Something the scheduler did, for observers (tests, metrics).
public enum SchedulerEvent: Sendable, Hashable {
    /// A run called its plugin, `latenessMicros` after its nominal instant.
    case started(task: String, runID: Int64, latenessMicros: Micros)
    case queued(task: String, runID: Int64)
    case timedOut(task: String, runID: Int64)
    case stuck(task: String, runID: Int64)
    /// A slot or request was not run; `reason` is the history row's reason (`overlap: ...`, `paused: ...`).
    case skipped(task: String, runID: Int64, reason: String)
    /// A run or decision reached its final status; `durationMicros` is how long the plugin ran, if it did.
    case finished(task: String, runID: Int64, status: RunStatus, durationMicros: Micros?)
    case reloaded(generation: Int)
    case clockStepped(deltaMicros: Micros)
}

extension RunTrigger {
    /// The history column value.
    var historyKind: RunTriggerKind { RunTriggerKind(rawValue: rawValue)! }
}

/// Ended runs by serial (history id and error), for the runs of the last `capacity` serials: a ring indexed by the
/// serial modulo its capacity, so a run's entry lasts until the run `capacity` serials later ends. Recording an end
/// is one store; a dictionary with an order array to forget the oldest cost 2.6 % of the scheduler's samples in the
/// steady workload (perf).
struct RecentRuns {
    struct Entry {
        var id: Int64
        var error: String?
    }
    private var slots: [(serial: UInt64, entry: Entry)?]

    init(capacity: Int) {
        precondition(capacity > 0, "a ring needs a slot")
        slots = Array(repeating: nil, count: capacity)
    }

    subscript(serial: UInt64) -> Entry? {
        get {
            guard let slot = slots[position(of: serial)], slot.serial == serial else { return nil }
            return slot.entry
        }
        set {
            guard let newValue else { return }
            slots[position(of: serial)] = (serial, newValue)
        }
    }

    private func position(of serial: UInt64) -> Int { Int(serial % UInt64(slots.count)) }
}

/// Lets one log line per key through per interval, so a task skipped or failing every second does not flood the
/// log (history still records every decision); the line that gets through says how many were held back.
final class LogThrottle: Sendable {
    private struct Entry {
        var last: Micros
        var held = 0
    }
    private let interval: Micros
    private let entries = Mutex<[String: Entry]>([:])

    init(interval: Micros) { self.interval = interval }

    /// nil when the line should be held back; otherwise how many lines with this key were held back before it.
    func allow(_ key: String, now: Micros) -> Int? {
        entries.withLock { entries in
            if var entry = entries[key], now - entry.last < interval {
                entry.held += 1
                entries[key] = entry
                return nil
            }
            if entries.count > 10_000 { entries.removeAll() }
            let held = entries[key]?.held ?? 0
            entries[key] = Entry(last: now)
            return held
        }
    }
}
