public import Config
public import Cron
public import PluginHost

/// One task ready to schedule: its spec, its schedule bound to its zone, and its plugin instance.
public struct ScheduledTask: Sendable {
    /// The validated task from the configuration.
    public let spec: TaskSpec
    /// The schedule in the task's zone; nil for tasks without one (start-up or `after:` only).
    public let schedule: CronSchedule?
    /// The task's time zone (schedule and windows).
    public let zone: TimeZoneRules
    /// The plugin that runs it.
    public let plugin: LoadedPlugin
    /// The plugin instance `create` returned for this task in this process; nil for `isolation: process` tasks,
    /// whose plugin code only ever runs in worker processes.
    public let instance: PluginInstance?

    /// Creates a task.
    public init(spec: TaskSpec, schedule: CronSchedule?, zone: TimeZoneRules, plugin: LoadedPlugin,
                instance: PluginInstance?) {
        self.spec = spec
        self.schedule = schedule
        self.zone = zone
        self.plugin = plugin
        self.instance = instance
    }

    /// What the state machine needs; disabled and `@reboot` tasks have no schedule.
    public var definition: TaskDefinition {
        TaskDefinition(spec: spec, schedule: schedule, zone: zone)
    }
}

extension [ScheduledTask] {
    /// Every task's definition, in order (what `definition` gives, made faster for tasks that share a schedule).
    var definitions: [TaskDefinition] {
        var memo = TaskDefinition.IntervalMemo()
        return map { TaskDefinition(spec: $0.spec, schedule: $0.schedule, zone: $0.zone, memo: &memo) }
    }
}

/// One immutable configuration generation: a validated config, the plugins it was loaded with, and a plugin
/// instance per task. A reload builds a new generation completely before the scheduler swaps to it; runs that
/// started under an older generation finish under it.
public struct Generation: Sendable {
    /// Increases by one with each successful load.
    public let number: Int
    /// The configuration.
    public let config: HousekeeperConfig
    /// The plugins found in `plugins.directory`.
    public let catalog: PluginCatalog
    /// Tasks that will be scheduled, in file order.
    public let tasks: [ScheduledTask]
    /// Tasks left out because their plugin is not loaded (missing file, rejected file), with the reason.
    public let dropped: [ConfigDiagnostic]
    /// The configuration file's text this generation was built from: a runtime task change re-validates against
    /// it, so an edit to the file not yet reloaded (SIGHUP) is not applied on the side. Nil when no runtime task
    /// change can come (`api.enabled` or `api.runtime_tasks` off): the text of a 100,000-task file is 5.7 MB.
    public let configText: String?
    /// The runtime tasks (added through the API) this generation was built with, by name.
    public let runtimeTasks: [String: RuntimeTaskSource]
    /// Where each task is in `tasks`, by name: the scheduler looks a task up for every action it performs, and its
    /// state machine finds its task states through the same index (one hash table for both).
    let taskIndex: [String: Int32]

    init(number: Int, config: HousekeeperConfig, catalog: PluginCatalog, tasks: [ScheduledTask],
         dropped: [ConfigDiagnostic], configText: String? = nil, runtimeTasks: [RuntimeTaskSource] = []) {
        self.configText = configText
        self.runtimeTasks = Dictionary(runtimeTasks.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.number = number
        self.config = config
        self.catalog = catalog
        self.tasks = tasks
        self.dropped = dropped
        // Names are unique in a valid configuration; should two ever collide, the first wins, as before.
        var index: [String: Int32] = [:]
        index.reserveCapacity(tasks.count)
        for (position, task) in tasks.enumerated() where index[task.spec.name] == nil {
            index[task.spec.name] = Int32(position)
        }
        taskIndex = index
    }

    /// A task by name (a dictionary lookup: this runs for every run the scheduler starts, queues or skips).
    public func task(named name: String) -> ScheduledTask? {
        taskIndex[name].map { tasks[Int($0)] }
    }
}
