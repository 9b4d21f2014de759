import ArgumentParser
import Config
import Cron
import Foundation
import History

/// `housekeeper list`: the configured tasks, when they fire next, and their state from history.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the configured tasks with plugin, schedule, zone, next fire time and state.",
        discussion: """
            STATE comes from the state database: paused, running (with how long), or stuck when a run is still \
            going past its timeout plus timeout_grace (the plugin ignores should_stop).
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config: HousekeeperConfig
        do {
            config = try ConfigLoader.load(path: options.config, environment: options.environment)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(1)
        }
        let nowMicros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let now = nowMicros / 1_000_000
        var paused: Set<String> = []
        var running: [String: [RunRecord]] = [:]
        if FileManager.default.fileExists(atPath: config.stateDatabase),
           let store = try? HistoryStore.open(path: config.stateDatabase)
        {
            paused = (try? await store.pausedTasks()) ?? []
            let active = (try? await store.runs(RunQuery(statuses: [.running], limit: 10_000))) ?? []
            running = Dictionary(grouping: active, by: \.task)
        }
        let rows = config.tasks.map { task -> [String] in
            var next = "-"
            if !task.enabled {
                next = "disabled"
            } else if let cron = task.cron, cron.isReboot {
                next = "at start-up"
            } else if let cron = task.cron, let zone = try? TimeZoneRules(identifier: task.timezone) {
                next = CronSchedule(expression: cron, zone: zone).next(after: now)
                    .map { CronFormat.rfc3339($0, in: zone) } ?? "never"
            } else if task.startup {
                next = "at start-up"
            } else if !task.after.isEmpty {
                next = "after " + task.after.joined(separator: ",")
            }
            return [task.name, task.plugin, task.schedule ?? "-", task.timezone, next,
                    Self.state(of: task, paused: paused, running: running[task.name] ?? [], now: nowMicros)]
        }
        Console.out(Console.table(["TASK", "PLUGIN", "SCHEDULE", "ZONE", "NEXT", "STATE"], rows))
    }

    /// `paused`, `stuck 12m (run 42)`, `running 3s`, or `idle`.
    static func state(of task: TaskSpec, paused: Set<String>, running: [RunRecord], now: Int64) -> String {
        var parts: [String] = []
        if paused.contains(task.name) { parts.append("paused") }
        for run in running {
            let since = now - (run.startedAt ?? now)
            let limit = task.timeout.map { ($0 + task.timeoutGrace).components.seconds * 1_000_000 }
            let word = limit.map { since > $0 } == true ? "stuck" : "running"
            parts.append("\(word) \(Self.duration(micros: since)) (run \(run.id ?? 0))")
        }
        return parts.isEmpty ? "idle" : parts.joined(separator: ", ")
    }

    static func duration(micros: Int64) -> String {
        let seconds = max(0, micros / 1_000_000)
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7200 { return "\(seconds / 60)m" }
        return "\(seconds / 3600)h\(seconds % 3600 / 60)m"
    }
}
