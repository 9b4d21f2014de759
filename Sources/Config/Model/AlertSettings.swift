/// Health thresholds and what to do when one is crossed (`alerts:`).
///
/// An alert is raised when a threshold is crossed and cleared when it no longer is. Raising one marks `/ready`
/// degraded, logs once, and runs the tasks listed in `on_alert` with the alert in their run context.
public struct AlertSettings: Sendable, Hashable {
    /// How often the thresholds are evaluated (`alerts.check_interval`, default 30s).
    public var checkInterval: Duration
    /// The share of failed runs (0...1) above which the error-rate alert is raised (`alerts.error_rate.threshold`,
    /// default 5 %).
    public var errorRateThreshold: Double
    /// The window the error rate is computed over (`alerts.error_rate.window`, default 15m).
    public var errorRateWindow: Duration
    /// Fewer finished runs than this in the window never raise the error-rate alert
    /// (`alerts.error_rate.min_runs`, default 10).
    public var errorRateMinimumRuns: Int
    /// The share (0...1) of the memory limit above which the memory alert is raised (`alerts.memory.threshold`,
    /// default 80 %).
    public var memoryThreshold: Double
    /// The memory limit in bytes (`alerts.memory.limit`); nil: the cgroup limit, else the machine's memory.
    public var memoryLimitBytes: Int64?
    /// Tasks run when an alert is raised (`alerts.on_alert`).
    public var onAlert: [String]

    /// Creates settings; the defaults are those of a file without an `alerts:` section.
    public init(
        checkInterval: Duration = .seconds(30),
        errorRateThreshold: Double = 0.05,
        errorRateWindow: Duration = .seconds(15 * 60),
        errorRateMinimumRuns: Int = 10,
        memoryThreshold: Double = 0.8,
        memoryLimitBytes: Int64? = nil,
        onAlert: [String] = []
    ) {
        self.checkInterval = checkInterval
        self.errorRateThreshold = errorRateThreshold
        self.errorRateWindow = errorRateWindow
        self.errorRateMinimumRuns = errorRateMinimumRuns
        self.memoryThreshold = memoryThreshold
        self.memoryLimitBytes = memoryLimitBytes
        self.onAlert = onAlert
    }
}

/// How long history keeps its rows (`state.history_retention`, `state.history_keep_failed`).
public struct RetentionSettings: Sendable, Hashable {
    /// Rows that ended longer ago than this are deleted (default 30 days).
    public var keep: Duration
    /// Failed, timed-out, crashed and interrupted rows are kept this long instead (default: `keep`).
    public var keepFailed: Duration
    /// How often the pruner runs (`state.prune_interval`, default 1h).
    public var pruneInterval: Duration

    /// Creates settings; the defaults are those of a file without these keys.
    public init(keep: Duration = .seconds(30 * 86_400), keepFailed: Duration? = nil, pruneInterval: Duration = .seconds(3600)) {
        self.keep = keep
        self.keepFailed = keepFailed ?? keep
        self.pruneInterval = pruneInterval
    }
}
