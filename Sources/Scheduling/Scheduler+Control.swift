public import History
public import PluginHost
import Foundation

/// The first decision about a requested run: its history row and whether it started, queued or was skipped.
public struct RunDecision: Sendable, Hashable {
    /// The history row id.
    public var id: Int64
    /// `running`, `queued` or `skipped`.
    public var status: RunStatus
    /// Why it queued or was skipped.
    public var reason: String?

    /// Creates a decision.
    public init(id: Int64, status: RunStatus, reason: String?) {
        self.id = id
        self.status = status
        self.reason = reason
    }
}

/// What became of a request for a run.
public enum RunRequestOutcome: Sendable, Hashable {
    /// The run was decided (started, queued or skipped) and recorded.
    case decided(RunDecision)
    /// No such task in the running configuration.
    case unknownTask
    /// The daemon is shutting down (or the decision could not be recorded).
    case notAccepted
}

/// What became of a cancel request.
public enum CancelOutcome: Sendable, Hashable {
    /// The run is running: `should_stop` is set; its row ends `cancelled` when the plugin returns.
    case stopping
    /// The run was waiting: it is dropped and recorded `cancelled`.
    case dropped
    /// No running or waiting run has this id (it ended, or it never existed).
    case notActive
}

/// A running run, for status views.
public struct ActiveRunStatus: Sendable, Hashable {
    /// History row id.
    public var id: Int64
    /// Task name.
    public var task: String
    /// Why it runs (`schedule`, `manual`, ...).
    public var trigger: String
    /// Its nominal instant (µs since the epoch).
    public var scheduledAt: Micros
    /// When its plugin was called (µs since the epoch).
    public var startedAt: Micros
    /// 1 for a first attempt.
    public var attempt: Int
    /// Whether `should_stop` was raised (timeout, replace, cancel), and why.
    public var stopReason: String?
}

/// A waiting run, for status views.
public struct QueuedRunStatus: Sendable, Hashable {
    /// History row id.
    public var id: Int64
    /// Task name.
    public var task: String
}

/// The scheduler's state at one instant, for `housekeeper status`, the API and metrics.
public struct SchedulerSnapshot: Sendable {
    /// The running configuration generation.
    public var generation: Generation
    /// Runs calling their plugin, oldest first.
    public var running: [ActiveRunStatus]
    /// Runs waiting in line or for their window, first come first served.
    public var queued: [QueuedRunStatus]
    /// Paused tasks.
    public var paused: Set<String>
    /// The next fire instant of each task that has one (µs since the epoch).
    public var nextFires: [String: Micros]
    /// Whether the loop is dispatching runs (false before start-up and during shutdown).
    public var isDispatching: Bool
}

extension Scheduler {
    /// Asks for a run of `task` now and waits for its first decision (started, queued or skipped).
    ///
    /// Manual runs go through the overlap policy unless `force` is set; the global and group limits always apply,
    /// and a paused task still runs a manual request.
    /// - Parameters:
    ///   - trigger: `manual` for operators; alerts use `dependency` (so pausing the alert task silences it).
    ///   - context: a JSON object whose keys are added to the plugin's run context.
    ///   - configOverride: a JSON object merged into the task's `config` for this run only (RFC 7386: `null`
    ///     removes a key); already checked with `checkConfigOverride`.
    public func requestRun(
        task: String, trigger: RunTrigger = .manual, force: Bool = false, context: String? = nil,
        configOverride: String? = nil
    ) async -> RunRequestOutcome {
        guard generation.task(named: task) != nil else { return .unknownTask }
        guard case .running = phase, isDispatching else { return .notAccepted }
        let (serial, actions) = machine.request(
            task: task, trigger: trigger, force: force, context: context, now: clock.now())
        if let configOverride { configOverrides[serial] = configOverride }
        pending += actions
        let decision = await withCheckedContinuation { continuation in
            decisionWaiters[serial] = continuation
            doorbell.ring()
        }
        return decision.map { .decided($0) } ?? .notAccepted
    }

    /// Cancels a running or waiting run by its history id.
    public func cancel(runID: Int64) -> CancelOutcome {
        // A waiting run a pool thread started meanwhile is running: recorded so before it is looked for, and no pool
        // thread may start the run between the answer given here and the loop's drop of it.
        revokeOffers()
        let now = clock.now()
        if let (serial, run) = active.first(where: { $0.value.id == runID }) {
            pending += machine.cancel(serial: serial, now: now)
            _ = run
            doorbell.ring()
            return .stopping
        }
        if let serial = queued.first(where: { $0.value == runID })?.key {
            let actions = machine.cancel(serial: serial, now: now)
            guard !actions.isEmpty else { return .notActive }
            pending += actions
            doorbell.ring()
            return .dropped
        }
        return .notActive
    }

    /// Runs a finished run's task again: a new `manual` run (overlap policy applies) whose context names the
    /// original as `retry_of`.
    /// - Returns: `.unknownTask` when the run's task is no longer configured.
    public func retry(_ record: RunRecord) async -> RunRequestOutcome {
        let context = record.id.map { "{\"retry_of\":\($0)}" }
        return await requestRun(task: record.task, trigger: .manual, context: context)
    }

    /// The scheduler's state now.
    public func snapshot() -> SchedulerSnapshot {
        // Runs pool threads started from offers show as running, not queued.
        collectClaims()
        var nextFires: [String: Micros] = [:]
        for task in generation.tasks {
            if let next = machine.nextFire(of: task.spec.name) { nextFires[task.spec.name] = next }
        }
        let running = active.values.sorted { $0.id < $1.id }.map { run in
            ActiveRunStatus(
                id: run.id, task: run.run.task, trigger: run.run.trigger.rawValue, scheduledAt: run.run.scheduledAt,
                startedAt: run.startedAt, attempt: run.run.attempt, stopReason: run.stopReason?.rawValue)
        }
        let waiting = machine.waitingRuns.compactMap { run in
            queued[run.serial].map { QueuedRunStatus(id: $0, task: run.task) }
        }
        return SchedulerSnapshot(
            generation: generation, running: running, queued: waiting, paused: paused, nextFires: nextFires,
            isDispatching: isDispatching)
    }

    /// Hands a requested run's first decision to whoever waits for it.
    ///
    /// The caller may look its run up at once (the API answers with the row's id), so the answer waits until the
    /// row is committed; scheduled runs never wait for that.
    func decided(_ serial: UInt64, _ decision: RunDecision?) {
        guard let waiter = decisionWaiters.removeValue(forKey: serial) else { return }
        recorder.whenCommitted { waiter.resume(returning: decision) }
    }
}
