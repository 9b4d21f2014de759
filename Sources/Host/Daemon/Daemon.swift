import ArgumentParser
import Config
import Foundation
import History
import Isolation
import Logging
import PluginHost
import Scheduling
import ServiceLifecycle

/// Wires the daemon: loads the first generation, opens history, and runs the scheduler, the reloader and the
/// shutdown escalation as services of one `ServiceGroup` with SIGTERM and SIGINT as graceful-shutdown signals.
struct Daemon {
    var options: ConfigOptions
    var logLevel: Logger.Level

    /// Runs until graceful shutdown.
    /// - Throws: `ExitCode` 2 when the configuration is invalid, 1 when history cannot be opened.
    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "housekeeper")
        let control = BlockingThreadPool(name: "hk-control")
        let loader = GenerationLoader(
            configPath: options.config, environment: options.environment,
            allowInsecurePlugins: options.allowInsecurePlugins, pool: control, logger: logger,
            vetter: PluginProbe(logger: logger), workerCheck: WorkerIsolation.configCheck(logger: logger))

        let generation: Generation
        do {
            generation = try await loader.load(previous: nil)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            Console.error("housekeeper: not started: \(error.diagnostics.count) error(s) in \(options.config)")
            throw ExitCode(2)
        }
        for rejection in generation.catalog.rejected {
            logger.warning("plugin.rejected", metadata: ["plugin.file": "\(rejection.path)", "reason": "\(rejection.reason)"])
        }
        for diagnostic in generation.dropped {
            logger.error("task.dropped", metadata: ["diagnostic": "\(diagnostic)"])
        }

        let history: HistoryStore
        let lock: DaemonLock
        do {
            history = try HistoryStore.open(path: generation.config.stateDatabase)
            // Before anything touches history: a second daemon must not mark the first one's runs interrupted.
            lock = try DaemonLock(database: generation.config.stateDatabase)
        } catch {
            Console.error("housekeeper: not started: \(error)")
            throw ExitCode(1)
        }
        let clock = SystemClock()
        let interrupted = try await history.markInterrupted(
            at: clock.now(), reason: "the daemon stopped while this run was active (found at start-up)")
        if interrupted > 0 {
            logger.warning("history.interrupted", metadata: ["runs": "\(interrupted)"])
        }

        let config = generation.config
        let worker = WorkerExecutor(stateDirectory: { GenerationLoader.taskStateDirectory(for: config, task: $0) })
        let scheduler = Scheduler(
            generation: generation, history: history, clock: clock, pool: BlockingThreadPool(name: "hk-run"),
            logger: logger, executor: WorkerExecutor.picker(worker: worker))
        let reloader = Reloader(loader: loader, scheduler: scheduler, logger: logger)
        let escalation = ShutdownEscalation(scheduler: scheduler, logger: logger)
        logger.info("daemon.started", metadata: [
            "config.file": "\(options.config)", "state.database": "\(generation.config.stateDatabase)",
            "plugins": "\(generation.catalog.plugins.keys.sorted())", "pid": "\(getpid())",
        ])
        // Services shut down in reverse order: the reloader first, then the scheduler (which drains its runs),
        // and the escalation last, so a second signal during the drain still reaches it.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: escalation),
                    .init(service: scheduler),
                    .init(service: reloader),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.info("daemon.stopped")
        withExtendedLifetime(lock) {}
    }
}
