import ArgumentParser
import Config
import Cron
import Foundation

/// `housekeeper list`: the configured tasks and when they fire next.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the configured tasks with plugin, schedule, zone and next fire time."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let config: HousekeeperConfig
        do {
            config = try ConfigLoader.load(path: options.config, environment: options.environment)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(1)
        }
        let now = Int64(Date().timeIntervalSince1970)
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
            return [task.name, task.plugin, task.schedule ?? "-", task.timezone, next]
        }
        Console.out(Console.table(["TASK", "PLUGIN", "SCHEDULE", "ZONE", "NEXT"], rows))
    }
}
