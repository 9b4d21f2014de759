import ArgumentParser
import Config
import Cron
import Foundation
import History
import Scheduling

/// `housekeeper list`: the configured tasks, when they fire next, and their state from history.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the configured tasks with plugin, schedule, zone, next fire time and state.",
        discussion: """
            STATE comes from the state database: paused, running (with how long), or stuck when a run is still \
            going past its timeout plus timeout_grace (the plugin ignores should_stop). Runtime tasks (added \
            through the API or `housekeeper task add`) are listed after the file's, with SOURCE api.
            """
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        var config: HousekeeperConfig
        let text: String
        do {
            (text, config) = try options.readConfig()
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(1)
        }
        let nowMicros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        var paused: Set<String> = []
        var running: [String: [RunRecord]] = [:]
        if FileManager.default.fileExists(atPath: config.stateDatabase),
           let store = try? HistoryStore.open(path: config.stateDatabase)
        {
            paused = (try? await store.pausedTasks()) ?? []
            let runtime = ((try? await store.runtimeTasks()) ?? []).map {
                RuntimeTaskSource(name: $0.name, definition: $0.definition)
            }
            if !runtime.isEmpty {
                do {
                    config = try ConfigLoader.load(
                        path: options.config, text: text, environment: options.environment, runtimeTasks: runtime)
                } catch {
                    for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
                    Console.error("housekeeper: the runtime tasks above are not listed (they do not fit the file)")
                }
            }
            let active = (try? await store.runs(RunQuery(statuses: [.running], limit: 10_000))) ?? []
            running = Dictionary(grouping: active, by: \.task)
        }
        var zones: [String: TimeZoneRules] = [:]
        let rows = config.tasks.map { task -> [String] in
            guard let zone = zones[task.timezone] ?? (try? TimeZoneRules(identifier: task.timezone)) else {
                return [task.name, task.plugin, task.schedule ?? "-", task.timezone, "invalid zone", "-", task.source.rawValue]
            }
            zones[task.timezone] = zone
            let definition = TaskDefinition(
                spec: task, schedule: task.cron.map { CronSchedule(expression: $0, zone: zone, dstGap: task.dstGap) }, zone: zone)
            var next = "-"
            if !task.enabled {
                next = "disabled"
            } else if task.cron?.isReboot == true {
                next = "at start-up"
            } else if let slot = definition.nextSlot(after: nowMicros) {
                next = CronFormat.rfc3339(slot / 1_000_000, in: zone)
            } else if !task.at.isEmpty {
                next = "completed"
            } else if definition.every?.afterFinish == true {
                next = "after each run"
            } else if definition.timingDescription != nil {
                next = "never"
            } else if task.startup {
                next = "at start-up"
            } else if !task.after.isEmpty {
                next = "after " + task.after.joined(separator: ",")
            }
            return [task.name, task.plugin, definition.timingDescription ?? "-", task.timezone, next,
                    Self.state(of: task, paused: paused, running: running[task.name] ?? [], now: nowMicros),
                    task.source.rawValue]
        }
        Console.out(Console.table(["TASK", "PLUGIN", "SCHEDULE", "ZONE", "NEXT", "STATE", "SOURCE"], rows))
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
