public import Config
public import PluginHost

/// Everything a worker process needs to run one task's plugin once.
public struct WorkerJob: Sendable, Hashable {
    /// The private plugin copy the worker dlopens (`LoadedPlugin.cachedPath`).
    public var pluginPath: String
    /// The plugin directory's file it came from (for messages).
    public var sourcePath: String
    /// The plugin's name.
    public var pluginName: String
    /// The task's name.
    public var taskName: String
    /// The task's `config:` as a JSON object.
    public var configJSON: String
    /// The task's state directory, handed to `create`.
    public var stateDirectory: String
    /// The run; `nil` asks the worker to only `create` and `destroy` (a configuration check).
    public var request: RunRequest?
    /// Resource limits applied in the worker.
    public var limits: ResourceLimits
    /// The worker's environment (nothing else is inherited but a default `PATH`).
    public var environment: [String: String]
    /// The worker's working directory; `nil` keeps the daemon's.
    public var workingDirectory: String?
    /// How long after a stop request (SIGTERM) the worker is killed with SIGKILL.
    public var timeoutGrace: Duration

    /// Creates a job.
    public init(
        pluginPath: String, sourcePath: String, pluginName: String, taskName: String, configJSON: String = "{}",
        stateDirectory: String, request: RunRequest?, limits: ResourceLimits = ResourceLimits(),
        environment: [String: String] = [:], workingDirectory: String? = nil, timeoutGrace: Duration = .seconds(10)
    ) {
        self.pluginPath = pluginPath
        self.sourcePath = sourcePath
        self.pluginName = pluginName
        self.taskName = taskName
        self.configJSON = configJSON
        self.stateDirectory = stateDirectory
        self.request = request
        self.limits = limits
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeoutGrace = timeoutGrace
    }

    /// The job for one run of a task from the configuration.
    /// - Parameters:
    ///   - spec: the task (its `config:`, `limits:`, `env:`, `working_directory:` and `timeout_grace`).
    ///   - plugin: its loaded plugin (the worker loads the same private copy).
    ///   - request: the run; `nil` for a create-only check.
    ///   - stateDirectory: the task's state directory.
    public init(spec: TaskSpec, plugin: LoadedPlugin, request: RunRequest?, stateDirectory: String) {
        self.init(
            pluginPath: plugin.cachedPath, sourcePath: plugin.sourcePath, pluginName: plugin.name,
            taskName: spec.name, configJSON: spec.configJSON, stateDirectory: stateDirectory, request: request,
            limits: spec.limits, environment: spec.environment, workingDirectory: spec.workingDirectory,
            timeoutGrace: spec.timeoutGrace)
    }
}
