public import History
public import Logging
public import PluginHost
public import ServiceLifecycle
import Foundation
import Synchronization

/// The scheduling service: one timer, one loop, the state machine's actions performed against history and the
/// plugin thread pool.
///
/// The loop sleeps until the earliest of the next fire instant and the next run timeout, or until something rings
/// its doorbell (a run ended, a reload, a manual trigger, shutdown). Plugin calls run on `BlockingThreadPool`
/// threads as child tasks of the loop's task group, so shutdown can wait for them and, after the grace period,
/// abandon the ones that ignore `should_stop`.
public actor Scheduler: Service {
    let clock: any SchedulerClock
    let history: HistoryStore
    let pool: BlockingThreadPool
    let logger: Logger
    let executor: any RunExecutor
    private(set) var generation: Generation
    private var machine: SchedulerStateMachine
    private let doorbell = Doorbell()
    private let shutdownRequested = Atomic<Bool>(false)
    private var pending: [SchedulerStateMachine.Action] = []
    private var active: [Int64: ActiveRun] = [:]
    private var queued: [SchedulerStateMachine.PendingRun: Int64] = [:]
    private var instanceUse: [ObjectIdentifier: (instance: PluginInstance, runs: Int)] = [:]
    private var retired: [ObjectIdentifier: PluginInstance] = [:]
    private var phase: Phase = .running
    private var listeners: [@Sendable (SchedulerEvent) -> Void] = []

    private enum Phase {
        case running
        case draining(deadline: Micros)
        case hurrying
    }

    /// A run calling its plugin.
    private final class ActiveRun: Sendable {
        let id: Int64
        let run: SchedulerStateMachine.PendingRun
        let task: ScheduledTask
        let startedAt: Micros
        let deadline: Micros?
        let control = RunControl()
        // Only read and written on the scheduler actor.
        nonisolated(unsafe) var timedOut = false

        init(id: Int64, run: SchedulerStateMachine.PendingRun, task: ScheduledTask, startedAt: Micros) {
            self.id = id
            self.run = run
            self.task = task
            self.startedAt = startedAt
            self.deadline = task.spec.timeout.map { startedAt + $0.micros }
        }
    }

    /// Creates the scheduler for an initial generation.
    public init(
        generation: Generation, history: HistoryStore, clock: any SchedulerClock, pool: BlockingThreadPool,
        logger: Logger, executor: any RunExecutor = InProcessExecutor()
    ) {
        self.executor = executor
        self.generation = generation
        self.history = history
        self.clock = clock
        self.pool = pool
        self.logger = logger
        self.machine = SchedulerStateMachine(maxRunning: generation.config.maxRunning)
    }

    /// Registers a callback for scheduler events (tests and metrics). Called on the actor; keep it cheap.
    public func observe(_ listener: @escaping @Sendable (SchedulerEvent) -> Void) {
        listeners.append(listener)
    }

    /// Runs until graceful shutdown, then drains: stops dispatching, asks running runs to stop, waits up to
    /// `shutdown.grace_period`, records every outcome, and returns.
    public func run() async throws {
        pending += machine.install(
            generation.tasks.map(\.definition), maxRunning: generation.config.maxRunning, now: clock.now())
        for task in generation.tasks where task.spec.enabled && task.spec.cron.isReboot {
            pending.append(machine.request(.init(task: task.spec.name, trigger: .startup, scheduledAt: clock.now())))
        }
        logger.info("scheduler.started", metadata: ["tasks": "\(generation.tasks.count)"])
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                await self.loop(group: &group)
            } onGracefulShutdown: {
                self.shutdownRequested.store(true, ordering: .sequentiallyConsistent)
                self.doorbell.ring()
            }
            await self.drain(group: &group)
        }
        for (_, entry) in instanceUse where entry.runs == 0 { entry.instance.destroy() }
        logger.info("scheduler.stopped")
    }

    /// Swaps to a new generation. Running runs finish under the generation they started in; tasks whose schedule
    /// did not change keep their next slot; changed schedules take effect from their next slot.
    public func apply(_ next: Generation) {
        let previous = generation
        generation = next
        let kept = Set(next.tasks.map { ObjectIdentifier($0.instance) })
        for task in previous.tasks where !kept.contains(ObjectIdentifier(task.instance)) {
            retire(task.instance)
        }
        pending += machine.install(next.tasks.map(\.definition), maxRunning: next.config.maxRunning, now: clock.now())
        emit(.reloaded(generation: next.number))
        doorbell.ring()
    }

    /// Asks for a run of `task` now, outside its schedule (the overlap policy still applies).
    /// - Returns: false when no such task is scheduled.
    @discardableResult
    public func trigger(task: String, trigger: RunTrigger = .manual) -> Bool {
        guard generation.task(named: task) != nil, case .running = phase else { return false }
        pending.append(machine.request(.init(task: task, trigger: trigger, scheduledAt: clock.now())))
        doorbell.ring()
        return true
    }

    /// Shortens the shutdown wait: runs still going are abandoned now (a second SIGTERM/SIGINT).
    public func hurry() {
        guard case .draining = phase else { return }
        phase = .hurrying
        logger.warning("scheduler.shutdown.hurry", metadata: ["runs.active": "\(active.count)"])
        doorbell.ring()
    }

    /// The next fire instant of a task (microseconds), if it has one.
    public func nextFire(of task: String) -> Micros? { machine.nextFire(of: task) }

    // MARK: - The loop

    private func loop(group: inout DiscardingTaskGroup) async {
        while case .running = phase {
            if shutdownRequested.load(ordering: .sequentiallyConsistent) {
                beginShutdown()
                break
            }
            let now = clock.now()
            pending += machine.fireDue(now: now)
            checkTimeouts(now: now)
            await perform(group: &group)
            guard case .running = phase else { break }
            await sleep(until: earliestDeadline())
        }
    }

    private func drain(group: inout DiscardingTaskGroup) async {
        pending += machine.drainQueue(reason: "daemon shutting down before the run could start")
        await perform(group: &group)
        for run in active.values { run.control.requestStop() }
        while !active.isEmpty {
            let now = clock.now()
            switch phase {
            case .running:
                phase = .draining(deadline: now + generation.config.shutdownGracePeriod.micros)
                continue
            case .draining(let deadline) where now < deadline:
                checkTimeouts(now: now)
                await perform(group: &group)
                await sleep(until: min(deadline, earliestDeadline() ?? deadline))
                continue
            case .draining, .hurrying:
                logger.warning("scheduler.shutdown.abandon", metadata: ["runs.active": "\(active.count)"])
                group.cancelAll()
                // Abandoned runs come back through `complete` with no result; wait for their records.
                while !active.isEmpty { await doorbell.wait() }
            }
        }
        await perform(group: &group)
    }

    private func beginShutdown() {
        guard case .running = phase else { return }
        phase = .draining(deadline: clock.now() + generation.config.shutdownGracePeriod.micros)
        logger.info("scheduler.shutdown.begin", metadata: [
            "runs.active": "\(active.count)", "grace": "\(generation.config.shutdownGracePeriod)",
        ])
        doorbell.ring()
    }

    private func earliestDeadline() -> Micros? {
        var earliest = machine.nextWakeup
        for run in active.values where !run.timedOut {
            if let deadline = run.deadline { earliest = min(earliest ?? deadline, deadline) }
        }
        return earliest
    }

    private func sleep(until deadline: Micros?) async {
        guard let deadline else {
            await doorbell.wait()
            return
        }
        let clock = self.clock
        let doorbell = self.doorbell
        await withTaskGroup(of: Void.self) { race in
            race.addTask { try? await clock.sleep(until: deadline) }
            race.addTask { await doorbell.wait() }
            await race.next()
            race.cancelAll()
        }
    }

    private func checkTimeouts(now: Micros) {
        for run in active.values where !run.timedOut {
            guard let deadline = run.deadline, deadline <= now else { continue }
            run.timedOut = true
            run.control.requestStop()
            logger.warning("run.timeout", metadata: [
                "task.name": "\(run.run.task)", "run.id": "\(run.id)", "timeout": "\(run.task.spec.timeout!)",
            ])
            emit(.timedOut(task: run.run.task, runID: run.id))
        }
    }

    // MARK: - Actions

    private func perform(group: inout DiscardingTaskGroup) async {
        while !pending.isEmpty {
            let batch = pending
            pending.removeAll()
            for action in batch {
                await perform(action, group: &group)
            }
        }
    }

    private func perform(_ action: SchedulerStateMachine.Action, group: inout DiscardingTaskGroup) async {
        switch action {
        case .start(let run):
            guard let task = generation.task(named: run.task) else {
                pending += machine.finished(task: run.task)
                return
            }
            let now = clock.now()
            let record = RunRecord(
                task: run.task, plugin: task.plugin.name, trigger: run.trigger.historyKind,
                scheduledAt: run.scheduledAt, startedAt: now, status: .running, attempt: run.attempt)
            guard let id = await write({ try await $0.insert(record) })??.id else {
                logger.debug("slot.taken", metadata: ["task.name": "\(run.task)", "slot": "\(run.scheduledAt)"])
                pending += machine.finished(task: run.task)
                return
            }
            launch(ActiveRun(id: id, run: run, task: task, startedAt: now), group: &group)
        case .startQueued(let run):
            guard let id = queued.removeValue(forKey: run), let task = generation.task(named: run.task) else {
                pending += machine.finished(task: run.task)
                return
            }
            let now = clock.now()
            await write { try await $0.markStarted(id: id, at: now) }
            launch(ActiveRun(id: id, run: run, task: task, startedAt: now), group: &group)
        case .queue(let run):
            let plugin = generation.task(named: run.task)?.plugin.name ?? ""
            let record = RunRecord(
                task: run.task, plugin: plugin, trigger: run.trigger.historyKind,
                scheduledAt: run.scheduledAt, status: .queued, attempt: run.attempt)
            if let id = await write({ try await $0.insert(record) })??.id {
                queued[run] = id
                emit(.queued(task: run.task, runID: id))
            }
        case .skip(let run, let reason):
            let plugin = generation.task(named: run.task)?.plugin.name ?? ""
            let now = clock.now()
            let record = RunRecord(
                task: run.task, plugin: plugin, trigger: run.trigger.historyKind, scheduledAt: run.scheduledAt,
                finishedAt: now, status: .skipped, attempt: run.attempt, error: reason)
            logger.notice("run.skipped", metadata: ["task.name": "\(run.task)", "reason": "\(reason)"])
            if let id = await write({ try await $0.insert(record) })??.id {
                emit(.finished(task: run.task, runID: id, status: .skipped))
            }
        case .dropQueued(let run, let reason):
            if let id = queued.removeValue(forKey: run) {
                let now = clock.now()
                await write { try await $0.finish(id: id, status: .cancelled, at: now, error: reason, output: nil) }
                emit(.finished(task: run.task, runID: id, status: .cancelled))
            }
        }
    }

    private func launch(_ run: ActiveRun, group: inout DiscardingTaskGroup) {
        active[run.id] = run
        let key = ObjectIdentifier(run.task.instance)
        instanceUse[key, default: (run.task.instance, 0)].runs += 1
        let request = RunRequest(
            taskName: run.run.task, runID: run.id, scheduledAt: run.run.scheduledAt, startedAt: run.startedAt,
            attempt: run.run.attempt, trigger: run.run.trigger, deadline: run.deadline)
        var runLogger = logger
        runLogger[metadataKey: "task.name"] = "\(run.run.task)"
        runLogger[metadataKey: "run.id"] = "\(run.id)"
        runLogger[metadataKey: "plugin.name"] = "\(run.task.plugin.name)"
        let pluginLogger = runLogger
        runLogger.info("run.started", metadata: [
            "trigger": "\(run.run.trigger.rawValue)", "lateness.us": "\(run.startedAt - run.run.scheduledAt)",
        ])
        emit(.started(task: run.run.task, runID: run.id))
        let pool = self.pool
        let executor = self.executor
        let task = run.task
        let control = run.control
        let id = run.id
        group.addTask {
            let completion = await pool.runAbandonable {
                executor.execute(task: task, request: request, control: control, logger: pluginLogger)
            }
            await self.complete(runID: id, completion: completion)
        }
    }

    private func complete(runID: Int64, completion: RunCompletion?) async {
        guard let run = active.removeValue(forKey: runID) else { return }
        let now = clock.now()
        let (status, error, output) = Self.outcome(of: run, completion: completion)
        await write {
            try await $0.finish(id: run.id, status: status, at: now, error: error, output: output)
        }
        var metadata: Logger.Metadata = [
            "task.name": "\(run.run.task)", "run.id": "\(run.id)", "status": "\(status.rawValue)",
            "duration.ms": "\(Double(now - run.startedAt) / 1000)",
        ]
        if let error { metadata["error"] = "\(error)" }
        logger.log(level: status == .succeeded ? .info : .warning, "run.finished", metadata: metadata)
        emit(.finished(task: run.run.task, runID: run.id, status: status))
        let key = ObjectIdentifier(run.task.instance)
        if completion != nil {
            instanceUse[key]?.runs -= 1
            if instanceUse[key]?.runs == 0, let instance = retired.removeValue(forKey: key) {
                instanceUse[key] = nil
                pool.submit { instance.destroy() }
            }
        }
        pending += machine.finished(task: run.run.task)
        doorbell.ring()
    }

    private static func outcome(of run: ActiveRun, completion: RunCompletion?) -> (RunStatus, String?, String?) {
        let timeoutNote = run.task.spec.timeout.map { "timed out after \($0)" } ?? "timed out"
        switch completion {
        case nil:
            return (.interrupted, "abandoned at shutdown: the plugin did not return within the grace period", nil)
        case .crashed(let reason, let output):
            return run.timedOut ? (.timedOut, "\(timeoutNote); \(reason)", output) : (.crashed, reason, output)
        case .returned(let result):
            let message = result.message.isEmpty ? nil : result.message
            if run.timedOut {
                return (.timedOut, timeoutNote + (message.map { ": \($0)" } ?? ""), result.output)
            }
            switch result.status {
            case .ok: return (.succeeded, nil, result.output)
            case .cancelled: return (.cancelled, message ?? "stopped on request", result.output)
            case .error, .configError, .retryable, .permanent, .unknown:
                return (.failed, message ?? "the plugin reported \(result.status) without a message", result.output)
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

    /// Writes to history; a failure is logged and never stops the scheduler (runs go on; the row is lost).
    private func write<T: Sendable>(_ body: @Sendable (HistoryStore) async throws -> T) async -> T? {
        do {
            return try await body(history)
        } catch {
            logger.error("history.write.failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func emit(_ event: SchedulerEvent) {
        for listener in listeners { listener(event) }
    }
}

/// Something the scheduler did, for observers (tests, metrics).
public enum SchedulerEvent: Sendable, Hashable {
    case started(task: String, runID: Int64)
    case queued(task: String, runID: Int64)
    case timedOut(task: String, runID: Int64)
    case finished(task: String, runID: Int64, status: RunStatus)
    case reloaded(generation: Int)
}

extension RunTrigger {
    /// The history column value.
    var historyKind: RunTriggerKind { RunTriggerKind(rawValue: rawValue)! }
}
