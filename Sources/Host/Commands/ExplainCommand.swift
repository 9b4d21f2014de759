import ArgumentParser
import Config
import Cron
import Foundation

/// `housekeeper explain`: a schedule in plain words, its next runs, and what it does on each DST change of a year.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a cron expression (or a configured task's schedule): in words, next runs, DST behaviour.",
        discussion: """
            Examples:
              housekeeper explain "30 2 * * *" --tz Europe/Paris --year 2026
              housekeeper explain --task nightly-backup --config config.yaml
            """
    )

    @Argument(help: "The cron expression, as one argument (quote it).")
    var expression: String?

    @Option(help: "Explain this task's schedule from the configuration (its zone and H seed included).")
    var task: String?

    @Option(help: "The configuration file (with --task).")
    var config: String = "config.yaml"

    @Option(help: "IANA time zone the expression is matched in.")
    var tz: String = "UTC"

    @Option(help: "Task name that H fields hash.")
    var seed: String = ""

    @Option(help: "The year whose DST transitions are listed (default: this year).")
    var year: Int?

    @Option(name: .short, help: "How many next runs.")
    var n: Int = 5

    func validate() throws {
        guard (expression == nil) != (task == nil) else {
            throw ValidationError("give either an expression or --task NAME")
        }
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
    }

    func run() throws {
        var text = expression ?? ""
        var zoneName = tz
        var seed = self.seed
        if let task {
            let loaded: HousekeeperConfig
            do {
                loaded = try ConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment)
            } catch {
                for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
                throw ExitCode(1)
            }
            guard let spec = loaded.tasks.first(where: { $0.name == task }) else {
                Console.error("housekeeper: no task \"\(task)\" in \(config)")
                throw ExitCode(1)
            }
            guard let schedule = spec.schedule else {
                Console.error("housekeeper: task \"\(task)\" has no cron schedule (it runs at start-up, after other tasks, at: or every:)")
                throw ExitCode(1)
            }
            text = schedule
            zoneName = spec.timezone
            seed = spec.name
        }
        let parsed: CronExpression
        do {
            parsed = try CronExpression.parse(text, seed: seed)
        } catch {
            Console.error("housekeeper: invalid cron expression: " + error.render(expression: text))
            throw ExitCode(1)
        }
        let zone: TimeZoneRules
        do {
            zone = try TimeZoneRules(identifier: zoneName)
        } catch {
            Console.error("housekeeper: --tz: \(error)")
            throw ExitCode(1)
        }
        let now = Int64(Date().timeIntervalSince1970)
        let year = self.year ?? Calendar(identifier: .gregorian).component(.year, from: Date())
        let report = CronExplainer.report(CronSchedule(expression: parsed, zone: zone), year: year, from: now, runs: n)
        Console.out(report.hasSuffix("\n") ? String(report.dropLast()) : report)
    }
}
