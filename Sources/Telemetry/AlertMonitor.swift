public import Config
public import History
public import Logging
public import Scheduling
public import ServiceLifecycle
import Foundation

/// Evaluates the health thresholds every `alerts.check_interval`: the error rate over a window, process memory,
/// and each task's `expect_success_within` (the dead-man's switch).
///
/// An alert that is newly crossed is logged once (`alert.raised`) and runs every task in `alerts.on_alert` with
/// the alert in its run context (`{"alert": {...}}`), as a `dependency` run (so pausing the alert task silences
/// it). An alert that is no longer crossed is logged once (`alert.cleared`). Active alerts mark `/ready`
/// degraded.
public actor AlertMonitor: Service {
    let scheduler: Scheduler
    let history: HistoryStore
    let clock: any SchedulerClock
    let logger: Logger
    let memory: @Sendable () -> (used: Int64, limit: Int64)
    /// The baseline of the dead-man's switch for tasks that never succeeded: when monitoring began.
    let startedAt: Micros
    private var current: [String: Alert] = [:]
    /// The error rate's window, counted a slice per evaluation.
    private var outcomes = OutcomeSlices()

    /// Creates a monitor.
    /// - Parameter memory: the process's resident memory and the limit it is compared with, in bytes
    ///   (`alerts.memory.limit` overrides the limit).
    public init(
        scheduler: Scheduler, history: HistoryStore, clock: any SchedulerClock, logger: Logger,
        memory: @escaping @Sendable () -> (used: Int64, limit: Int64) = {
            (ProcessStats.read()?.residentBytes ?? 0, ProcessStats.memoryLimit())
        }
    ) {
        self.scheduler = scheduler
        self.history = history
        self.clock = clock
        self.logger = logger
        self.memory = memory
        self.startedAt = clock.now()
    }

    /// The error rate's counts at the last evaluation (for tests).
    var errorRateCounts: OutcomeCounts { outcomes.total }

    /// The alerts crossed at the last evaluation, oldest first.
    public var active: [Alert] { current.values.sorted { ($0.since, $0.key) < ($1.since, $1.key) } }

    /// Evaluates every `alerts.check_interval` until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let config = await self.scheduler.generation.config
                // Before the scheduler dispatches, an alert's on_alert runs would be refused: wait for it.
                if await self.scheduler.isDispatching { await self.evaluate(config: config) }
                do {
                    try await self.clock.sleep(until: self.clock.now() + config.alerts.checkInterval.micros)
                } catch {
                    return
                }
            }
        }
    }

    /// Evaluates the thresholds once, raising and clearing alerts.
    /// - Returns: the alerts raised by this evaluation.
    @discardableResult
    public func evaluate(config: HousekeeperConfig) async -> [Alert] {
        let now = clock.now()
        var crossed: [Alert] = []
        let settings = config.alerts
        let end = now - OutcomeSlices.settleMicros
        if let range = outcomes.pending(end: end, window: settings.errorRateWindow.micros),
           let slice = try? await history.outcomeCounts(from: range.lowerBound, to: range.upperBound)
        {
            outcomes.add(slice, over: range)
        }
        let counts = outcomes.total
        if counts.finished >= settings.errorRateMinimumRuns, counts.finished > 0 {
            let rate = Double(counts.failed) / Double(counts.finished)
            if rate > settings.errorRateThreshold {
                crossed.append(Alert(
                    kind: .errorRate,
                    message: "\(counts.failed) of \(counts.finished) runs failed in the last "
                        + "\(settings.errorRateWindow) (\(Self.percent(rate)) > "
                        + "\(Self.percent(settings.errorRateThreshold)))",
                    value: rate, threshold: settings.errorRateThreshold, since: now))
            }
        }
        let (used, machineLimit) = memory()
        let limit = settings.memoryLimitBytes ?? machineLimit
        if limit > 0 {
            let share = Double(used) / Double(limit)
            if share > settings.memoryThreshold {
                crossed.append(Alert(
                    kind: .memory,
                    message: "process memory \(used / 1_048_576) MiB is \(Self.percent(share)) of the limit "
                        + "\(limit / 1_048_576) MiB (threshold \(Self.percent(settings.memoryThreshold)))",
                    value: share, threshold: settings.memoryThreshold, since: now))
            }
        }
        let watched = config.tasks.filter { $0.expectSuccessWithin != nil && $0.enabled }
        if !watched.isEmpty, let successes = try? await history.lastSuccesses() {
            for task in watched {
                let window = task.expectSuccessWithin!.micros
                let baseline = successes[task.name] ?? startedAt
                let age = now - baseline
                guard age > window else { continue }
                let last = successes[task.name].map { "last success \(Double(now - $0) / 1_000_000)s ago" }
                    ?? "no success recorded"
                crossed.append(Alert(
                    kind: .noSuccess, task: task.name,
                    message: "task \"\(task.name)\" has not succeeded within \(task.expectSuccessWithin!) (\(last))",
                    value: Double(age) / 1_000_000, threshold: Double(window) / 1_000_000, since: now))
            }
        }
        var raised: [Alert] = []
        var next: [String: Alert] = [:]
        for alert in crossed {
            if let existing = current[alert.key] {
                var kept = alert
                kept.since = existing.since
                next[alert.key] = kept
            } else {
                next[alert.key] = alert
                raised.append(alert)
            }
        }
        for (key, alert) in current where next[key] == nil {
            logger.notice("alert.cleared", metadata: ["alert.kind": "\(alert.kind.rawValue)", "alert.key": "\(key)"])
        }
        current = next
        logger.debug("alerts.evaluated", metadata: [
            "alerts.active": "\(next.count)", "alerts.raised": "\(raised.count)",
        ])
        for alert in raised {
            var metadata: Logger.Metadata = [
                "alert.kind": "\(alert.kind.rawValue)", "alert.message": "\(alert.message)",
                "alert.on_alert": "\(settings.onAlert)",
            ]
            if let task = alert.task { metadata["task.name"] = "\(task)" }
            logger.warning("alert.raised", metadata: metadata)
            for target in settings.onAlert {
                let outcome = await scheduler.requestRun(
                    task: target, trigger: .dependency, context: Self.context(for: alert))
                if case .decided(let decision) = outcome {
                    logger.info("alert.task.triggered", metadata: [
                        "task.name": "\(target)", "run.id": "\(decision.id)", "status": "\(decision.status.rawValue)",
                    ])
                }
            }
        }
        return raised
    }

    /// The run context of an `on_alert` task: `{"alert": {...}}`.
    static func context(for alert: Alert) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(alert)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "{\"alert\":\(body)}"
    }

    static func percent(_ share: Double) -> String {
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
