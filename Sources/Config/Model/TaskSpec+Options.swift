public import Cron

extension TaskSpec {
    /// The settings a task may leave at their defaults: timing and concurrency policies, hooks, windows, worker
    /// settings. Read and written through `TaskSpec` like its other fields (`spec.retry`).
    ///
    /// Kept apart from the fields every task sets so that tasks with equal settings share one copy: most tasks of
    /// a large configuration differ only in name, plugin, schedule and config, and these settings are about 500
    /// bytes (issue 8's idle workload: 100,000 tasks).
    public struct Options: Sendable, Hashable {
        /// With `overlap: allow`, how many runs may be active at once (`max_instances`, default 1).
        public var maxInstances: Int = 1
        /// The concurrency group the task belongs to (`group:`), limited by `groups.NAME.max_running`.
        public var group: String?
        /// How long a run may go on after `should_stop` before it is reported stuck (`timeout_grace`, default 10s).
        public var timeoutGrace: Duration = .seconds(10)
        /// How failures are retried (`retry:`), if at all.
        public var retry: RetryPolicy?
        /// What happens to slots that could not fire on time (`catch_up`, default `latest`).
        public var catchUp: CatchUpPolicy = .latest
        /// How late a slot may start and still count as on time (`max_lateness`, default 1m).
        public var maxLateness: Duration = .seconds(60)
        /// With `catch_up: all`, at most this many missed slots run (`max_catch_up`, default 10).
        public var maxCatchUp: Int = 10
        /// Run once when the daemon starts (`startup: true`; also `@reboot` schedules).
        public var startup: Bool = false
        /// How long after start-up the start-up run waits (`startup_delay`).
        public var startupDelay: Duration = .zero
        /// Upper bound of the stable per-task offset added to every slot (`jitter:`).
        public var jitter: Duration?
        /// Tasks whose runs trigger this one when they end as `afterCondition` says (`after:`).
        public var after: [String] = []
        /// Which outcome of an `after` task triggers this one (`on:`, default `success`).
        public var afterCondition: DependencyCondition = .success
        /// Tasks to run when a run of this one fails for good (`on_failure:`).
        public var onFailure: [String] = []
        /// Tasks to run when a run of this one succeeds (`on_success:`).
        public var onSuccess: [String] = []
        /// One-time instants, seconds since the epoch (`at:`); empty for none.
        public var at: [Int64] = []
        /// An interval schedule (`every:`, `anchor:`, `every_mode:`), if any.
        public var every: IntervalSchedule?
        /// 0-9, higher first when runs wait for a slot (`priority`, default 5).
        public var priority: Int = 5
        /// A run waiting longer than this starts before higher priorities (`max_wait`; nil: the task's interval).
        public var maxWait: Duration?
        /// At most so many starts per window (`rate_limit`), if any.
        public var rateLimit: RateLimit?
        /// What happens to a run over the rate limit (`rate_policy`, default `queue`).
        public var ratePolicy: RatePolicy = .queue
        /// Weekly windows in which runs may start (`window:`); empty means always.
        public var windows: [TimeWindow] = []
        /// What happens to a slot outside the windows (`window_policy`, default `skip`).
        public var windowPolicy: WindowPolicy = .skip
        /// A fixed-time schedule whose wall time falls in a spring-forward gap: run once at the transition
        /// (`coalesce`, cronie's rule, the default) or not at all (`skip`, the OCPS 1.4 recommendation).
        public var dstGap: DSTGapPolicy = .coalesce
        /// Where the plugin code runs: the task's `isolation:`, else `plugins.isolation` for its plugin, else the
        /// global `isolation:` (default `in-process`).
        public var isolation: IsolationMode = .inProcess
        /// Resource limits of the worker process (`limits:`; `isolation: process` only).
        public var limits = ResourceLimits()
        /// Variables the worker process gets, on top of a clean environment (`env:`; `isolation: process` only).
        public var environment: [String: String] = [:]
        /// The worker's working directory, absolute (`working_directory:`, relative to the config file's folder;
        /// `isolation: process` only); nil keeps the daemon's.
        public var workingDirectory: String?
        /// The dead-man's switch: an alert is raised when the task has not succeeded for this long
        /// (`expect_success_within`), if set.
        public var expectSuccessWithin: Duration?
        /// A free-form description for people (`description:`), if any.
        public var description: String?

        /// Every setting at its default.
        public init() {}
    }
}
