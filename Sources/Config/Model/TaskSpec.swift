public import Cron

/// One task from the configuration, validated and typed.
///
/// A value type with one shared storage: the configuration, each generation's scheduled task and the API all hold
/// the same task, so a copy costs a reference (100,000 tasks used to keep two inline copies of 850 bytes, about
/// 170 MB; issue 8's idle workload). Inside, the settings most tasks leave at their defaults are one `Options`
/// shared by every task that has the same ones, and equal cron expressions are one copy (`TaskSpecInterner`): a
/// task is about 240 bytes. Fields and settings read and write alike (`spec.name`, `spec.retry = ...`);
/// a write to a shared spec or shared settings copies them first.
@dynamicMemberLookup
public struct TaskSpec: Sendable, Hashable {
    /// The task's fields: the ones every task sets stored here, the settings it may leave at their defaults in a
    /// shared `Options` (`options`; a spec reads and writes them like fields: `spec.retry`).
    public struct Fields: Sendable, Hashable {
        /// Unique task name.
        public var name: String
        /// Name of the plugin that runs it.
        public var plugin: String
        /// The cron expression as written; nil for a task that only runs at start-up or after other tasks.
        public var schedule: String?
        /// The parsed expression (its `H` fields seeded with the task name), when the task has a schedule.
        public var cron: CronExpression? {
            get { sharedCron?.value }
            set { sharedCron = newValue.map(Shared.init) }
        }
        /// Holds `cron`; tasks with the same expression share it (`TaskSpecInterner`).
        var sharedCron: Shared<CronExpression>?
        /// IANA time zone its schedule is matched in (the task's own or the global default).
        public var timezone = "UTC"
        /// False: loaded and validated, never scheduled.
        public var enabled = true
        /// When `should_stop` is set on a run, if any.
        public var timeout: Duration?
        /// The overlap policy.
        public var overlap: OverlapPolicy = .skip
        /// The task's `config:` mapping as a JSON object (`{}` when absent).
        public var configJSON = "{}"
        /// Where the task is defined: the configuration file, or the API (a runtime task stored in the state database).
        public var source: TaskSource = .config
        /// Where the task's mapping starts.
        public var location: SourceLocation
        /// Where the `plugin:` value is (for unknown-plugin errors).
        public var pluginLocation: SourceLocation {
            get { pluginSpot.location(in: location) }
            set { pluginSpot = Spot(newValue, in: location) }
        }
        /// Where the `config:` value is (for plugin config errors), or the task's location when absent.
        public var configLocation: SourceLocation {
            get { configSpot.location(in: location) }
            set { configSpot = Spot(newValue, in: location) }
        }
        /// `pluginLocation` and `configLocation`, stored as a line and column in `location`'s file.
        private var pluginSpot: Spot
        private var configSpot: Spot
        /// Holds the settings a task may leave at their defaults (`options`).
        @usableFromInline var sharedOptions = defaultOptions

        /// The settings a task may leave at their defaults, all at once.
        public var options: Options {
            get { sharedOptions.value }
            set { sharedOptions = Shared(newValue) }
        }

        /// The required fields; the others start at their defaults. `TaskSpec.init` sets the rest.
        init(name: String, plugin: String, schedule: String?, cron: CronExpression?, location: SourceLocation) {
            self.name = name
            self.plugin = plugin
            self.schedule = schedule
            sharedCron = cron.map(Shared.init)
            self.location = location
            pluginSpot = Spot(location, in: location)
            configSpot = Spot(location, in: location)
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

    /// A field, read or written (`spec.name`, `spec.timeout = ...`).
    @inlinable
    public subscript<Value>(dynamicMember path: WritableKeyPath<Fields, Value>) -> Value {
        get { storage.fields[keyPath: path] }
        set {
            makeStorageUnique()
            storage.fields[keyPath: path] = newValue
        }
    }

    /// A setting of `Options`, read or written like a field (`spec.retry`, `spec.limits.memory = ...`); a write
    /// stores a new copy of the settings (the shared one is never changed). A key path straight into `Options`:
    /// one through a dynamic-member subscript of `Fields` was built at run time on every access (seconds at
    /// 100,000 tasks).
    @inlinable
    public subscript<Value>(dynamicMember path: WritableKeyPath<Options, Value>) -> Value {
        get { storage.fields.sharedOptions.value[keyPath: path] }
        set {
            var options = storage.fields.sharedOptions.value
            options[keyPath: path] = newValue
            makeStorageUnique()
            storage.fields.sharedOptions = Shared(options)
        }
    }

    /// Copies the fields first if another spec shares them (copy on write).
    @usableFromInline
    mutating func makeStorageUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
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
        fields.options.description = description
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
