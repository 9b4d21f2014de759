public import History
public import Logging
public import Scheduling
public import Telemetry

/// What the admin API operates on: the running daemon's parts, passed in (nothing global).
public struct AdminContext: Sendable {
    /// The scheduler (trigger, pause, cancel, status).
    public var scheduler: Scheduler
    /// History (runs, readiness).
    public var history: HistoryStore
    /// Reloads (`POST /reload`).
    public var reloader: Reloader
    /// Active alerts (`/ready`, `/status`), if alerts are evaluated.
    public var alerts: AlertMonitor?
    /// The metrics registry (`/metrics`).
    public var metrics: HousekeeperMetrics
    /// The daemon's clock.
    public var clock: any SchedulerClock
    /// When the daemon started (µs since the epoch).
    public var startedAt: Micros
    /// The API's logger.
    public var logger: Logger

    /// Creates a context.
    public init(
        scheduler: Scheduler, history: HistoryStore, reloader: Reloader, alerts: AlertMonitor?,
        metrics: HousekeeperMetrics, clock: any SchedulerClock, startedAt: Micros, logger: Logger
    ) {
        self.scheduler = scheduler
        self.history = history
        self.reloader = reloader
        self.alerts = alerts
        self.metrics = metrics
        self.clock = clock
        self.startedAt = startedAt
        self.logger = logger
    }
}
