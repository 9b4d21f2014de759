import ArgumentParser
import Config
import Cron
import Foundation
import History
import Isolation
import Logging
import Scheduling

/// `housekeeper check`: validates the configuration and the plugins without running anything.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and plugins; print every problem as file:line:column.",
        discussion: """
            The runtime tasks in the state database (added through the API) are checked with the file, as the \
            daemon will load them: a name in both is an error. Exits 0 and lists what would run when everything \
            is valid; exits 1 otherwise.
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let loader = GenerationLoader(
            configPath: options.config, environment: options.environment,
            allowInsecurePlugins: options.allowInsecurePlugins, pool: BlockingThreadPool(name: "hk-check"),
            logger: Self.quietLogger, vetter: PluginProbe(logger: Self.quietLogger),
            workerCheck: WorkerIsolation.configCheck(logger: Self.quietLogger))
        let generation: Generation
        do {
            // The file is read once: for its state database (the runtime tasks) and, without runtime tasks, as
            // the configuration itself. A file with errors is reported by the load.
            let preloaded = try? options.readConfig()
            var runtime: [RuntimeTaskSource] = []
            if let preloaded { runtime = await Self.storedRuntimeTasks(preloaded.config) }
            generation = try await loader.load(previous: nil, runtimeTasks: runtime, preloaded: preloaded)
        } catch {
            report(error.diagnostics)
            throw ExitCode(1)
        }
        defer { for task in generation.tasks { task.instance?.destroy() } }
        for rejection in generation.catalog.rejected {
            Console.error("\(rejection.path): warning: plugin file rejected: \(rejection.reason)")
        }
        let problems = generation.dropped + generation.config.warnings
        if !problems.isEmpty { report(problems) }
        if !generation.dropped.isEmpty { throw ExitCode(1) }

        let now = Int64(Date().timeIntervalSince1970)
        Console.out("\(options.config): OK: \(generation.tasks.count) task(s), \(generation.catalog.plugins.count) plugin(s)")
        for task in generation.tasks {
            Console.out("  \(task.spec.name): plugin \(task.plugin.name), \(Self.describe(task, now: now))")
        }
    }

    /// The runtime tasks in the state database `config` names, if it exists and can be read.
    static func storedRuntimeTasks(_ config: HousekeeperConfig) async -> [RuntimeTaskSource] {
        guard FileManager.default.fileExists(atPath: config.stateDatabase),
              let store = try? HistoryStore.open(path: config.stateDatabase),
              let stored = try? await store.runtimeTasks()
        else { return [] }
        return stored.map { RuntimeTaskSource(name: $0.name, definition: $0.definition) }
    }

    /// When a task runs: its schedule and next fire time, and the other ways it starts.
    static func describe(_ task: ScheduledTask, now: Int64) -> String {
        var parts: [String] = []
        let definition = task.definition
        if let timing = definition.timingDescription {
            let next = definition.nextSlot(after: now * 1_000_000).map { CronFormat.rfc3339($0 / 1_000_000, in: task.zone) }
                ?? (task.spec.cron?.isReboot == true ? "at start-up" : task.spec.at.isEmpty ? "never" : "none (completed)")
            parts.append("\(timing) in \(task.spec.timezone), next \(next)")
        }
        if task.spec.startup { parts.append("at start-up") }
        if !task.spec.after.isEmpty {
            parts.append("after \(task.spec.after.joined(separator: ", ")) (on \(task.spec.afterCondition.rawValue))")
        }
        if !task.spec.enabled { parts.append("(disabled)") }
        return parts.isEmpty ? "only when triggered" : parts.joined(separator: "; ")
    }

    /// Only warnings and errors: `check` prints its own summary.
    static var quietLogger: Logger {
        var logger = Logger(label: "housekeeper.check")
        logger.logLevel = .warning
        return logger
    }

    private func report(_ diagnostics: [ConfigDiagnostic]) {
        for diagnostic in diagnostics { Console.error(diagnostic.description) }
        let errors = diagnostics.filter { $0.severity == .error }.count
        if errors > 0 { Console.error("\(options.config): \(errors) error(s)") }
    }
}
