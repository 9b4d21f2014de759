public import Config
import Cron
public import Logging
public import PluginHost
import Foundation

/// Builds a `Generation`: reads and validates the configuration, scans the plugin directory, and calls `create`
/// for every task whose instance cannot be reused. Nothing is swapped here; an error leaves no trace but logs.
public struct GenerationLoader: Sendable {
    /// The configuration file.
    public var configPath: String
    /// Variables for `${VAR}` expansion.
    public var environment: [String: String]
    /// Skip plugin ownership and permission checks (development only).
    public var allowInsecurePlugins: Bool
    /// Where blocking work (file I/O, dlopen, create) runs.
    public var pool: BlockingThreadPool
    /// The logger plugins log through during `create`.
    public var logger: Logger
    /// Loads each new or changed plugin file in a throw-away process before it is dlopened here (nil: no probe).
    public var vetter: (any PluginVetter)?
    /// Checks the config of `isolation: process` tasks in a worker process, so a plugin that crashes in `create`
    /// never runs `create` in the daemon (nil: `create` runs here for every task).
    public var workerCheck: (@Sendable (TaskSpec, LoadedPlugin, String) -> Result<Void, PluginFailure>)?

    /// Creates a loader.
    public init(
        configPath: String, environment: [String: String], allowInsecurePlugins: Bool,
        pool: BlockingThreadPool, logger: Logger, vetter: (any PluginVetter)? = nil,
        workerCheck: (@Sendable (TaskSpec, LoadedPlugin, String) -> Result<Void, PluginFailure>)? = nil
    ) {
        self.vetter = vetter
        self.workerCheck = workerCheck
        self.configPath = configPath
        self.environment = environment
        self.allowInsecurePlugins = allowInsecurePlugins
        self.pool = pool
        self.logger = logger
    }

    /// Loads a new generation, reusing plugins and instances of `previous` where nothing changed.
    /// - Parameters:
    ///   - runtimeTasks: the tasks added through the API (nil: those of `previous`).
    ///   - rereadingFile: read the configuration file and rescan the plugin folder (a reload); false keeps the
    ///     text and plugins `previous` was built from (a runtime task change).
    ///   - preloaded: the file's text and its configuration, already loaded (without runtime tasks) by the caller:
    ///     used when there are no runtime tasks, so a large file is not parsed twice at start-up.
    /// - Throws: `ConfigErrors` with every error found (configuration and plugin `create` errors).
    public func load(
        previous: Generation?, runtimeTasks: [RuntimeTaskSource]? = nil, rereadingFile: Bool = true,
        preloaded: (text: String, config: HousekeeperConfig)? = nil
    ) async throws(ConfigErrors) -> Generation {
        // By name, wherever they come from: the order of `GET /tasks` after the file's tasks.
        let runtime = (runtimeTasks ?? previous.map { Array($0.runtimeTasks.values) } ?? []).sorted { $0.name < $1.name }
        let reuse = runtime.isEmpty ? preloaded : nil
        let result = await pool.run { [self] in
            loadBlocking(
                previous: previous, runtimeTasks: runtime, rereadingFile: rereadingFile || previous == nil,
                preloaded: reuse)
        }
        return try result.get()
    }

    /// The plugin cache folder for a configuration: next to the state database.
    public static func pluginCacheDirectory(for config: HousekeeperConfig) -> String {
        ((config.stateDatabase as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("plugin-cache")
    }

    /// The per-task state folder handed to `create`.
    public static func taskStateDirectory(for config: HousekeeperConfig, task: String) -> String {
        taskStateDirectory(root: stateRoot(for: config), task: task)
    }

    /// The folder holding the state database (per-task folders and the plugin cache go under it).
    static func stateRoot(for config: HousekeeperConfig) -> String {
        (config.stateDatabase as NSString).deletingLastPathComponent
    }

    /// The per-task state folder under a state root (`stateRoot(for:)`), without NSString path calls per task.
    static func taskStateDirectory(root: String, task: String) -> String {
        root.isEmpty ? "tasks/\(task)" : root.hasSuffix("/") ? "\(root)tasks/\(task)" : "\(root)/tasks/\(task)"
    }

    private func loadBlocking(
        previous: Generation?, runtimeTasks: [RuntimeTaskSource], rereadingFile: Bool,
        preloaded: (text: String, config: HousekeeperConfig)?
    ) -> Result<Generation, ConfigErrors> {
        let config: HousekeeperConfig
        let text: String
        if let preloaded {
            (text, config) = preloaded
        } else {
            do {
                // Without the previous text (runtime tasks switched off, so no change should come this way) the
                // file is read: never an empty text, which would remove every task.
                if !rereadingFile, let kept = previous?.configText {
                    text = kept
                } else {
                    text = try ConfigLoader.readText(path: configPath)
                }
                config = try ConfigLoader.load(
                    path: configPath, text: text, environment: environment, runtimeTasks: runtimeTasks)
            } catch {
                return .failure(error)
            }
        }
        let catalog: PluginCatalog
        if !rereadingFile, let previous, previous.config.pluginsDirectory == config.pluginsDirectory {
            catalog = previous.catalog
        } else {
            let loader = PluginLoader(
                options: PluginLoaderOptions(
                    directory: config.pluginsDirectory,
                    cacheDirectory: Self.pluginCacheDirectory(for: config),
                    allowInsecure: allowInsecurePlugins),
                logger: logger, vetter: vetter)
            catalog = loader.load(previous: previous?.catalog)
        }

        // Plugins looked up once per name, not per task; the tasks are walked again only when one is missing.
        var pluginNames = Set<String>()
        var lastName: String?
        for spec in config.tasks where spec.plugin != lastName {
            pluginNames.insert(spec.plugin)
            lastName = spec.plugin
        }
        let missingPlugins = pluginNames.filter { catalog.plugins[$0] == nil }
        let droppedNames = missingPlugins.isEmpty
            ? [] : Set(config.tasks.filter { missingPlugins.contains($0.plugin) }.map(\.name))
        var dropped = missingPlugins.isEmpty ? [] : config.unknownPluginDiagnostics(known: Set(catalog.plugins.keys))
        if !catalog.rejected.isEmpty {
            dropped = dropped.map { diagnostic in
                var diagnostic = diagnostic
                diagnostic.message += "; rejected plugin files: "
                    + catalog.rejected.map(\.description).joined(separator: "; ")
                return diagnostic
            }
        }

        var tasks: [ScheduledTask] = []
        tasks.reserveCapacity(config.tasks.count)
        var errors: [ConfigDiagnostic] = []
        var created: [PluginInstance] = []
        var zones = LastHitDictionary<String, TimeZoneRules>()
        var plugins = LastHitDictionary(catalog.plugins)
        let stateRoot = Self.stateRoot(for: config)
        var schedules = SharedSchedules()
        for spec in config.tasks where droppedNames.isEmpty || !droppedNames.contains(spec.name) {
            let plugin = plugins[spec.plugin]!
            let zone: TimeZoneRules
            do {
                zone = try zones.value(for: spec.timezone) { try TimeZoneRules(identifier: spec.timezone) }
            } catch {
                errors.append(ConfigDiagnostic(location: spec.location, message: "task \"\(spec.name)\": \(error)"))
                continue
            }
            let schedule = spec.cron.map {
                schedules.schedule($0, zoneName: spec.timezone, zone: zone, dstGap: spec.dstGap)
            }
            let isolated = spec.isolation == .process && workerCheck != nil
            if let old = previous?.task(named: spec.name), old.plugin === plugin, old.spec.configJSON == spec.configJSON,
               (old.instance == nil) == isolated
            {
                tasks.append(ScheduledTask(
                    spec: spec, schedule: schedule, zone: zone, plugin: plugin, instance: old.instance))
                continue
            }
            let stateDirectory = Self.taskStateDirectory(root: stateRoot, task: spec.name)
            if isolated, let workerCheck {
                // The plugin's create runs in a worker: a crash there is a config error, not a dead daemon.
                switch workerCheck(spec, plugin, stateDirectory) {
                case .success:
                    tasks.append(ScheduledTask(spec: spec, schedule: schedule, zone: zone, plugin: plugin, instance: nil))
                case .failure(let failure):
                    errors.append(ConfigDiagnostic(
                        location: spec.configLocation,
                        message: "task \"\(spec.name)\": plugin \"\(plugin.name)\" rejected its config (checked in a "
                            + "worker process): \(failure.message)"))
                }
                continue
            }
            switch plugin.makeInstance(
                taskName: spec.name, configJSON: spec.configJSON, stateDirectory: stateDirectory,
                logger: logger)
            {
            case .success(let instance):
                created.append(instance)
                tasks.append(ScheduledTask(spec: spec, schedule: schedule, zone: zone, plugin: plugin, instance: instance))
            case .failure(let failure):
                errors.append(ConfigDiagnostic(
                    location: spec.configLocation,
                    message: "task \"\(spec.name)\": plugin \"\(plugin.name)\" rejected its config: \(failure.message)"))
            }
        }
        if !errors.isEmpty {
            for instance in created { instance.destroy() }
            return .failure(ConfigErrors(diagnostics: errors))
        }
        return .success(Generation(
            number: (previous?.number ?? 0) + 1, config: config, catalog: catalog, tasks: tasks, dropped: dropped,
            configText: config.api.enabled && config.api.runtimeTasks ? text : nil, runtimeTasks: runtimeTasks))
    }
}

/// One schedule object per expression, zone and gap rule, shared by the tasks of a load that have them.
struct SharedSchedules {
    /// What makes two tasks' schedules the same (an `H` expression's seed is part of the expression).
    private struct Key: Hashable {
        var expression: CronExpression
        var zone: String
        var dstGap: DSTGapPolicy
    }
    private var schedules = LastHitDictionary<Key, CronSchedule>()

    /// The schedule for `expression` in the zone named `zoneName` (`zone`), made once per distinct key.
    mutating func schedule(
        _ expression: CronExpression, zoneName: String, zone: TimeZoneRules, dstGap: DSTGapPolicy
    ) -> CronSchedule {
        schedules.value(for: Key(expression: expression, zone: zoneName, dstGap: dstGap)) {
            CronSchedule(expression: expression, zone: zone, dstGap: dstGap)
        }
    }
}
