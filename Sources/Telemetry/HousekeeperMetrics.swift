import History
public import Scheduling
import CoreMetrics
import Metrics
import Prometheus

/// The daemon's Prometheus metrics, recorded through swift-metrics with a swift-prometheus factory that is
/// injected (never bootstrapped globally), so each daemon (and each test) has its own registry.
///
/// Counters and histograms follow scheduler events as they happen (`observe(_:)`); gauges that describe state
/// (running, queued, next run, last success, process memory and CPU) are set from a snapshot just before each
/// scrape (`render(snapshot:lastSuccesses:alerts:)`).
public final class HousekeeperMetrics: Sendable {
    /// Every metric name, as served at `/metrics`.
    public enum Name {
        /// Runs and decisions by task and final status (counter).
        public static let runs = "housekeeper_runs_total"
        /// Plugin run time by task (histogram).
        public static let runDuration = "housekeeper_run_duration_seconds"
        /// Actual start minus nominal instant (histogram).
        public static let fireLateness = "housekeeper_fire_lateness_seconds"
        /// Runs calling their plugin, by task (gauge).
        public static let running = "housekeeper_running"
        /// Runs waiting for a slot (gauge).
        public static let queued = "housekeeper_queued"
        /// Skips by task and reason (counter).
        public static let skipped = "housekeeper_skipped_total"
        /// Next slot by task, Unix seconds (gauge).
        public static let nextRun = "housekeeper_next_run_timestamp_seconds"
        /// Last success by task, Unix seconds (gauge).
        public static let lastSuccess = "housekeeper_last_success_timestamp_seconds"
        /// Plugins in the running generation (gauge).
        public static let pluginsLoaded = "housekeeper_plugins_loaded"
        /// Plugin files rejected (counter).
        public static let pluginLoadFailures = "housekeeper_plugin_load_failures_total"
        /// Reloads by result (counter).
        public static let reloads = "housekeeper_reloads_total"
        /// Runs still going past their timeout plus `timeout_grace`, by task (counter; the plugin ignores
        /// `should_stop`).
        public static let stuck = "housekeeper_runs_stuck_total"
        /// Runs stopped by their timeout, by task (counter).
        public static let timeouts = "housekeeper_run_timeouts_total"
        /// Wall-clock steps the scheduler noticed (counter).
        public static let clockSteps = "housekeeper_clock_steps_total"
        /// Alerts raised now (gauge).
        public static let alertsActive = "housekeeper_alerts_active"
        /// Resident set size in bytes (gauge).
        public static let residentMemory = "process_resident_memory_bytes"
        /// Virtual memory in bytes (gauge).
        public static let virtualMemory = "process_virtual_memory_bytes"
        /// User plus system CPU seconds (gauge).
        public static let cpuSeconds = "process_cpu_seconds_total"
        /// Process start, Unix seconds (gauge).
        public static let startTime = "process_start_time_seconds"
    }

    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let processStart: Double
    /// `runs_total`, `skipped_total` and `run_duration_seconds`, which have label sets per task: kept apart from
    /// the registry, whose cost per new label set grows with the number of tasks (see `TaskRunMetrics`).
    let taskRuns: TaskRunMetrics
    /// Recorded at every run start: made once, not looked up in the registry per run.
    let fireLateness: Metrics.Timer

    /// Creates an empty registry.
    /// - Parameter processStart: when the process started (seconds since the epoch).
    public init(processStart: Double) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let runBuckets: [Duration] = [
            .milliseconds(10), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15),
            .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
        ]
        let latenessBuckets: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50),
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(10), .seconds(60),
        ]
        factory.durationHistogramBuckets = [Name.runDuration: runBuckets, Name.fireLateness: latenessBuckets]
        self.factory = factory
        self.processStart = processStart
        taskRuns = TaskRunMetrics(
            runsName: Name.runs, skippedName: Name.skipped, durationName: Name.runDuration, buckets: runBuckets)
        fireLateness = Metrics.Timer(label: Name.fireLateness, factory: factory)
        Gauge(label: Name.startTime, factory: factory).record(processStart)
    }

    /// Records one scheduler event.
    public func observe(_ event: SchedulerEvent) {
        switch event {
        case .started(_, _, let lateness):
            fireLateness.recordMicroseconds(max(0, lateness))
        case .finished(let task, _, let status, let duration):
            taskRuns.record(task: task, status: status, duration: duration.map { .microseconds(max(0, $0)) })
        case .skipped(let task, _, let reason):
            taskRuns.recordSkip(task: task, reason: Self.skipCategory(reason))
        case .stuck(let task, _):
            Counter(label: Name.stuck, dimensions: [("task", task)], factory: factory).increment()
        case .timedOut(let task, _):
            Counter(label: Name.timeouts, dimensions: [("task", task)], factory: factory).increment()
        case .clockStepped:
            Counter(label: Name.clockSteps, factory: factory).increment()
        case .queued, .reloaded:
            break
        }
    }

    /// Records a configuration load (start-up or reload): how many plugins are loaded and how many files failed.
    public func recordLoad(pluginsLoaded: Int, failures: Int) {
        Gauge(label: Name.pluginsLoaded, factory: factory).record(pluginsLoaded)
        if failures > 0 {
            Counter(label: Name.pluginLoadFailures, factory: factory).increment(by: failures)
        }
    }

    /// Counts a reload by its result (`applied` or `failed`).
    public func recordReload(applied: Bool) {
        Counter(label: Name.reloads, dimensions: [("result", applied ? "applied" : "failed")], factory: factory)
            .increment()
    }

    /// Sets the state gauges from a snapshot and returns the Prometheus text exposition.
    /// - Parameters:
    ///   - lastSuccesses: when each task last succeeded (µs since the epoch).
    ///   - alerts: how many alerts are active.
    public func render(snapshot: SchedulerSnapshot, lastSuccesses: [String: Int64], alerts: Int) -> String {
        let runningByTask = Dictionary(grouping: snapshot.running, by: \.task).mapValues(\.count)
        for task in snapshot.generation.tasks.map(\.spec.name) {
            Gauge(label: Name.running, dimensions: [("task", task)], factory: factory)
                .record(runningByTask[task] ?? 0)
            if let next = snapshot.nextFires[task] {
                Gauge(label: Name.nextRun, dimensions: [("task", task)], factory: factory)
                    .record(Double(next) / 1_000_000)
            }
            if let last = lastSuccesses[task] {
                Gauge(label: Name.lastSuccess, dimensions: [("task", task)], factory: factory)
                    .record(Double(last) / 1_000_000)
            }
        }
        Gauge(label: Name.queued, factory: factory).record(snapshot.queued.count)
        Gauge(label: Name.alertsActive, factory: factory).record(alerts)
        if let process = ProcessStats.read() {
            Gauge(label: Name.residentMemory, factory: factory).record(process.residentBytes)
            Gauge(label: Name.virtualMemory, factory: factory).record(process.virtualBytes)
            Gauge(label: Name.cpuSeconds, factory: factory).record(process.cpuSeconds)
        }
        return exposition()
    }

    /// Every series as they stand, in the Prometheus text exposition format.
    func exposition() -> String {
        registry.emitToString() + taskRuns.emit()
    }

    /// A short label for a skip reason: `overlap`, `paused`, `window`, `missed` or `other`.
    static func skipCategory(_ reason: String) -> String {
        if reason.hasPrefix("overlap") { return "overlap" }
        if reason.hasPrefix("paused") { return "paused" }
        if reason.hasPrefix("outside the window") { return "window" }
        if reason.hasPrefix("missed") { return "missed" }
        return "other"
    }
}
