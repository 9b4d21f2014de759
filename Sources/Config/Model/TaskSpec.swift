public import Cron

/// One task from the configuration, validated and typed.
///
/// A value type with one shared storage: the configuration, each generation's scheduled task and the API all hold
/// the same task, so a copy costs a reference, not the spec's 850 bytes (100,000 tasks used to keep two inline
/// copies, about 170 MB; issue 8's idle workload). Fields read and write as before (`spec.name`,
/// `spec.retry = ...`) through `Fields`; a write to a shared spec copies it first.
@dynamicMemberLookup
public struct TaskSpec: Sendable, Hashable {
    /// The task's fields.
    public struct Fields: Sendable, Hashable {
        /// Unique task name.
        public var name: String
        /// Name of the plugin that runs it.
        public var plugin: String
        /// The cron expression as written; nil for a task that only runs at start-up or after other tasks.
        public var schedule: String?
        /// The parsed expression (its `H` fields seeded with the task name), when the task has a schedule.
        public var cron: CronExpression?
        /// IANA time zone its schedule is matched in (the task's own or the global default).
        public var timezone = "UTC"
        /// False: loaded and validated, never scheduled.
        public var enabled = true
        /// When `should_stop` is set on a run, if any.
        public var timeout: Duration?
        /// The overlap policy.
        public var overlap: OverlapPolicy = .skip
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
        /// The task's `config:` mapping as a JSON object (`{}` when absent).
        public var configJSON = "{}"
        /// A free-form description for people (`description:`), if any.
        public var description: String?
        /// Where the task is defined: the configuration file, or the API (a runtime task stored in the state database).
        public var source: TaskSource = .config
        /// Where the task's mapping starts.
        public var location: SourceLocation
        /// Where the `plugin:` value is (for unknown-plugin errors).
        public var pluginLocation: SourceLocation
        /// Where the `config:` value is (for plugin config errors), or the task's location when absent.
        public var configLocation: SourceLocation

        /// The required fields; the others start at their defaults. `TaskSpec.init` sets the rest.
        init(name: String, plugin: String, schedule: String?, cron: CronExpression?, location: SourceLocation) {
            self.name = name
            self.plugin = plugin
            self.schedule = schedule
            self.cron = cron
            self.location = location
            pluginLocation = location
            configLocation = location
        }
    }

    /// Holds the fields; only mutated while uniquely referenced (copy on write), so sharing it is safe.
    @usableFromInline
    final class Storage: @unchecked Sendable {
        @usableFromInline var fields: Fields

        @usableFromInline init(_ fields: Fields) { self.fields = fields }
    }

    @usableFromInline var storage: Storage

    /// All fields at once.
    public var fields: Fields {
        get { storage.fields }
        set { storage = Storage(newValue) }
    }

    /// A field, read or written (`spec.name`, `spec.limits.memory = ...`).
    @inlinable
    public subscript<Value>(dynamicMember path: WritableKeyPath<Fields, Value>) -> Value {
        get { storage.fields[keyPath: path] }
        set {
            if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
            storage.fields[keyPath: path] = newValue
        }
    }

    /// Creates a task; the loader does this for each valid task, tests of other modules may do it directly.
    /// - Parameters:
    ///   - location: where the task is defined; also the default for `pluginLocation` and `configLocation`.
    public init(
        name: String,
        plugin: String,
        schedule: String?,
        cron: CronExpression?,
        timezone: String = "UTC",
        enabled: Bool = true,
        timeout: Duration? = nil,
        overlap: OverlapPolicy = .skip,
        configJSON: String = "{}",
        description: String? = nil,
        location: SourceLocation = SourceLocation(file: "<memory>", line: 1, column: 1),
        pluginLocation: SourceLocation? = nil,
        configLocation: SourceLocation? = nil
    ) {
        var fields = Fields(name: name, plugin: plugin, schedule: schedule, cron: cron, location: location)
        fields.timezone = timezone
        fields.enabled = enabled
        fields.timeout = timeout
        fields.overlap = overlap
        fields.configJSON = configJSON
        fields.description = description
        fields.pluginLocation = pluginLocation ?? location
        fields.configLocation = configLocation ?? location
        storage = Storage(fields)
    }

    /// A spec holding `fields`.
    public init(fields: Fields) {
        storage = Storage(fields)
    }

    public static func == (lhs: TaskSpec, rhs: TaskSpec) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    public func hash(into hasher: inout Hasher) {
        storage.fields.hash(into: &hasher)
    }
}

/// Where a task is defined.
public enum TaskSource: String, Sendable, Hashable, CaseIterable {
    /// The YAML configuration file: the operator's source of truth, read-only through the API.
    case config
    /// Added through the API (`POST /tasks`, `housekeeper task add`) and stored in the state database.
    case api
}
