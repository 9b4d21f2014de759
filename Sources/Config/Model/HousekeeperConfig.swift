/// A whole validated configuration: one immutable generation.
public struct HousekeeperConfig: Sendable, Hashable {
    /// Absolute path of the file it came from.
    public var file: String
    /// Default IANA zone for tasks (`timezone:`, default `"UTC"`; `"local"` is the system zone).
    public var timezone: String
    /// Absolute path of the plugin directory (`plugins.directory`).
    public var pluginsDirectory: String
    /// Absolute path of the SQLite state database (`state.database`).
    public var stateDatabase: String
    /// Global limit of concurrently running runs (`limits.max_running`).
    public var maxRunning: Int
    /// How long shutdown waits for running runs (`shutdown.grace_period`).
    public var shutdownGracePeriod: Duration
    /// The admin HTTP API settings (`api:`).
    public var api: APISettings
    /// Logging settings (`log:`).
    public var log: LogSettings
    /// Health thresholds and the tasks run when one is crossed (`alerts:`).
    public var alerts: AlertSettings = AlertSettings()
    /// How long history keeps its rows (`state.history_retention`, `state.history_keep_failed`).
    public var retention: RetentionSettings = RetentionSettings()
    /// Named concurrency groups and their limits (`groups: {NAME: {max_running: N}}`).
    public var groups: [String: Int] = [:]
    /// Rate limits of named groups (`groups: {NAME: {rate_limit: {runs: N, per: 1m}}}`).
    public var groupRateLimits: [String: RateLimit] = [:]
    /// The default isolation mode of tasks (`isolation:`, default `in-process`).
    public var isolation: IsolationMode = .inProcess
    /// Isolation modes by plugin name (`plugins.isolation`), overriding `isolation` for that plugin's tasks.
    public var pluginIsolation: [String: IsolationMode] = [:]
    /// The tasks in file order.
    public var tasks: [TaskSpec]
    /// Warnings (not errors) found while loading.
    public var warnings: [ConfigDiagnostic]

    /// Creates a configuration; every setting but the file defaults to what an empty file gives.
    /// - Parameter file: absolute path of the file; relative defaults resolve against its folder.
    public init(
        file: String,
        timezone: String = "UTC",
        pluginsDirectory: String? = nil,
        stateDatabase: String? = nil,
        maxRunning: Int = 4,
        shutdownGracePeriod: Duration = .seconds(30),
        api: APISettings = APISettings(),
        log: LogSettings = LogSettings(),
        groups: [String: Int] = [:],
        groupRateLimits: [String: RateLimit] = [:],
        tasks: [TaskSpec] = [],
        warnings: [ConfigDiagnostic] = []
    ) {
        let folder = PathResolver.folder(of: file)
        self.file = file
        self.timezone = timezone
        self.pluginsDirectory = pluginsDirectory ?? PathResolver.absolute("plugins", base: folder)
        self.stateDatabase = stateDatabase ?? PathResolver.absolute("var/housekeeper.sqlite", base: folder)
        self.maxRunning = maxRunning
        self.shutdownGracePeriod = shutdownGracePeriod
        self.api = api
        self.log = log
        self.groups = groups
        self.groupRateLimits = groupRateLimits
        self.tasks = tasks
        self.warnings = warnings
    }

    /// The task named `name`, if any.
    public func task(named name: String) -> TaskSpec? {
        tasks.first { $0.name == name }
    }
}
