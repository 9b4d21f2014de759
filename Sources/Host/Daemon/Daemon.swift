import Admin
import ArgumentParser
import Config
import CIsolation
import Foundation
import History
import Isolation
import Logging
import PluginHost
import Scheduling
import ServiceLifecycle
import Telemetry

/// Wires the daemon: loads the first generation, opens history, and runs the scheduler, the reloader and the
/// shutdown escalation as services of one `ServiceGroup` with SIGTERM and SIGINT as graceful-shutdown signals.
struct Daemon {
    var options: ConfigOptions
    /// The `--log-level` option; nil: `log.level` from the configuration.
    var logLevel: Logger.Level?

    /// Runs until graceful shutdown.
    /// - Throws: `ExitCode` 2 when the configuration (or the API's token or address) is invalid, 1 when history
    ///   cannot be opened.
    func run() async throws {
        MallocTuning.applyUnlessConfigured()
        // The file is read once: its log settings start logging, it names the state database (which holds the
        // runtime tasks), and it is the first generation's configuration unless runtime tasks are added to it.
        var text: String
        let fileConfig: HousekeeperConfig
        do {
            text = try ConfigLoader.readText(path: options.config)
            fileConfig = try ConfigLoader.load(path: options.config, text: text, environment: options.environment)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            Console.error("housekeeper: not started: \(error.diagnostics.count) error(s) in \(options.config)")
            throw ExitCode(2)
        }
        let settings = fileConfig.log
        let level = logLevel ?? Logger.Level(rawValue: settings.level.rawValue) ?? .info
        let format = settings.format
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            case .text:
                var handler = TextLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "housekeeper")
        let control = BlockingThreadPool(name: "hk-control")
        let loader = GenerationLoader(
            configPath: options.config, environment: options.environment,
            allowInsecurePlugins: options.allowInsecurePlugins, pool: control, logger: logger,
            vetter: PluginProbe(logger: logger), workerCheck: WorkerIsolation.configCheck(logger: logger))

        let stateDatabase = fileConfig.stateDatabase
        let history: HistoryStore
        let lock: DaemonLock
        let runtimeTasks: [RuntimeTaskSource]
        do {
            history = try HistoryStore.open(path: stateDatabase) { pending in
                logger.notice("history.migrating", metadata: [
                    "database": "\(stateDatabase)", "migrations": "\(pending.joined(separator: ", "))",
                    "note": "once, before the daemon starts: about 10 s per million rows of history",
                ])
            }
            // Before anything touches history: a second daemon must not mark the first one's runs interrupted.
            lock = try DaemonLock(database: stateDatabase)
            runtimeTasks = try await history.runtimeTasks().map {
                RuntimeTaskSource(name: $0.name, definition: $0.definition)
            }
        } catch {
            Console.error("housekeeper: not started: \(error)")
            throw ExitCode(1)
        }
        let generation: Generation
        do {
            generation = try await loader.load(
                previous: nil, runtimeTasks: runtimeTasks, preloaded: (text, fileConfig))
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            let runtime = !runtimeTasks.isEmpty
                ? " and its runtime tasks (remove a broken one with: housekeeper task remove NAME --database "
                    + "\(stateDatabase))" : ""
            Console.error(
                "housekeeper: not started: \(error.diagnostics.count) error(s) in \(options.config)\(runtime)")
            throw ExitCode(2)
        }
        // The generation keeps the text if runtime task changes need it; this frame would hold it until the daemon
        // stops (heaptrack: 5.7 MB with 100,000 tasks).
        text = ""
        // Loading a large file leaves its parse trees freed but held by malloc; give them back now, before the
        // scheduler's tables are allocated among them (trimming only after the install kept 16 MB more resident
        // with 100,000 tasks: pages shared by freed and live objects cannot be returned).
        _ = hk_release_free_heap()
        for rejection in generation.catalog.rejected {
            logger.warning("plugin.rejected", metadata: ["plugin.file": "\(rejection.path)", "reason": "\(rejection.reason)"])
        }
        for diagnostic in generation.dropped {
            logger.error("task.dropped", metadata: ["diagnostic": "\(diagnostic)"])
        }

        let clock = SystemClock()
        let interrupted = try await history.markInterrupted(
            at: clock.now(), reason: "the daemon stopped while this run was active (found at start-up)")
        if interrupted > 0 {
            logger.warning("history.interrupted", metadata: ["runs": "\(interrupted)"])
        }

        let startedAt = clock.now()
        let config = generation.config
        let worker = WorkerExecutor(stateDirectory: { GenerationLoader.taskStateDirectory(for: config, task: $0) })
        let scheduler = Scheduler(
            generation: generation, history: history, clock: clock, pool: BlockingThreadPool(name: "hk-run"),
            logger: logger, executor: WorkerExecutor.picker(worker: worker),
            // Installing the tasks copies and drops their definitions; give that memory back too (on a host
            // thread: trimming a large heap takes milliseconds, and the scheduler starts dispatching meanwhile).
            afterStart: { control.submit { _ = hk_release_free_heap() } })
        let metrics = HousekeeperMetrics(processStart: Double(startedAt) / 1_000_000)
        await scheduler.observe { metrics.observe($0) }
        metrics.recordLoad(pluginsLoaded: generation.catalog.plugins.count, failures: generation.catalog.rejected.count)
        let reloader = Reloader(
            loader: loader, scheduler: scheduler, logger: logger, store: history,
            releaseMemory: { control.submit { _ = hk_release_free_heap() } }
        ) { outcome, running in
            switch outcome {
            case .applied:
                metrics.recordReload(applied: true)
                metrics.recordLoad(pluginsLoaded: running.catalog.plugins.count, failures: running.catalog.rejected.count)
            case .failed:
                metrics.recordReload(applied: false)
            }
        }
        let escalation = ShutdownEscalation(scheduler: scheduler, logger: logger)
        let alerts = AlertMonitor(scheduler: scheduler, history: history, clock: clock, logger: logger)
        let pruner = HistoryPruner(history: history, clock: clock, logger: logger) {
            await scheduler.generation.config.retention
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: escalation), .init(service: scheduler), .init(service: pruner), .init(service: alerts),
            .init(service: reloader),
        ]
        let api = generation.config.api
        if api.enabled {
            do {
                let (token, generatedFile) = try AdminToken.daemonToken(
                    api, stateDatabase: generation.config.stateDatabase, environment: options.environment)
                if let generatedFile {
                    logger.notice("api.token", metadata: [
                        "file": "\(generatedFile)",
                        "hint": "no api.token configured: the CLI on this machine reads this file (mode 0600)",
                    ])
                }
                let context = AdminContext(
                    scheduler: scheduler, history: history, reloader: reloader, alerts: alerts, metrics: metrics,
                    clock: clock, startedAt: startedAt, logger: logger)
                // If the server fails later, shut down gracefully (runs drain) rather than cancel everything.
                services.append(.init(
                    service: try AdminServer.make(settings: api, token: token, context: context),
                    failureTerminationBehavior: .gracefullyShutdownGroup))
            } catch {
                Console.error("housekeeper: not started: \(error)")
                throw ExitCode(2)
            }
        }
        logger.info("daemon.started", metadata: [
            "config.file": "\(options.config)", "state.database": "\(generation.config.stateDatabase)",
            "plugins": "\(generation.catalog.plugins.keys.sorted())", "pid": "\(getpid())",
            "sqlite.memory_statistics": "\(HistoryStore.sqliteKeepsMemoryStatistics ? "on" : "off")",
        ])
        // Services shut down in reverse order: the API and the reloader first, then the alerts and the pruner,
        // then the scheduler (which drains its runs), and the escalation last, so a second signal during the
        // drain still reaches it.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("daemon.stopped")
        withExtendedLifetime(lock) {}
    }
}
