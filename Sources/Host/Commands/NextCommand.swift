import ArgumentParser
import Cron
import Foundation

/// `housekeeper next`: the next fire instants of a cron expression.
struct NextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Print the next fire instants of a cron expression, one RFC 3339 instant per line."
    )

    @Argument(help: "The cron expression, as one argument (quote it).")
    var expression: String

    @Option(help: "IANA time zone the expression is matched in.")
    var tz: String = "UTC"

    @Option(help: "Start strictly after this RFC 3339 instant (default: now).")
    var from: String?

    @Option(name: .short, help: "How many instants.")
    var n: Int = 5

    @Option(help: "Task name that H fields hash (as the daemon does for that task).")
    var seed: String = ""

    func validate() throws {
        guard n >= 1 else { throw ValidationError("-n must be at least 1") }
    }

    func run() throws {
        let parsed: CronExpression
        do {
            parsed = try CronExpression.parse(expression, seed: seed)
        } catch {
            Console.error("housekeeper: invalid cron expression: " + error.render(expression: expression))
            throw ExitCode(1)
        }
        let zone: TimeZoneRules
        do {
            zone = try TimeZoneRules(identifier: tz)
        } catch {
            Console.error("housekeeper: --tz: \(error)")
            throw ExitCode(1)
        }
        var instant = Int64(Date().timeIntervalSince1970)
        if let from {
            guard let parsedFrom = CronFormat.parseRFC3339(from) else {
                Console.error("housekeeper: --from: \"\(from)\" is not an RFC 3339 instant (e.g. 2026-03-29T01:00:00Z)")
                throw ExitCode(1)
            }
            instant = parsedFrom
        }
        let schedule = CronSchedule(expression: parsed, zone: zone)
        for _ in 0..<n {
            guard let next = schedule.next(after: instant) else {
                Console.error("housekeeper: \"\(expression)\" never fires after this point")
                if instant == Int64(Date().timeIntervalSince1970) { throw ExitCode(1) }
                return
            }
            Console.out(CronFormat.rfc3339(next, in: zone))
            instant = next
        }
    }
}
