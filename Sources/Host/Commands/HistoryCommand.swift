public import ArgumentParser
import Config
import Foundation
public import History
import Telemetry

/// `housekeeper history`: reads the run history straight from SQLite, so it works while the daemon is down.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show recorded runs and slot decisions, newest first."
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Only runs of this task.")
    var task: String?

    @Option(help: "Only runs with this status (\(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
    var status: [RunStatus] = []

    @Option(help: "At most this many rows.")
    var limit: Int = 50

    @Flag(help: "One JSON object per line, times as RFC 3339 UTC with microseconds.")
    var json = false

    @Option(help: ArgumentHelp(
        "Read this state database instead of the one the configuration names.",
        discussion: "Works while the configuration has errors, so history stays readable when it is needed most."))
    var database: String?

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let path: String
        if let database {
            path = database
        } else {
            do {
                path = try ConfigLoader.load(path: options.config, environment: options.environment).stateDatabase
            } catch {
                for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
                Console.error("housekeeper: the configuration has errors; read history with --database PATH")
                throw ExitCode(1)
            }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            Console.error("no history yet: \(path) does not exist (the daemon creates it)")
            return
        }
        let store = try HistoryStore.open(path: path)
        let records = try await store.runs(RunQuery(task: task, statuses: Set(status), limit: limit))
        if json {
            for record in records { Console.out(Self.json(record)) }
            return
        }
        let rows = records.map { record -> [String] in
            let duration = zip(record.startedAt, record.finishedAt).map { String(format: "%.3fs", Double($1 - $0) / 1e6) }
            return [
                "\(record.id ?? 0)", record.task, record.trigger.rawValue, record.status.rawValue,
                UTCTimestamp.rfc3339(micros: record.scheduledAt), duration ?? "-", "\(record.attempt)",
                Self.oneLine(record.error ?? ""),
            ]
        }
        Console.out(Console.table(["ID", "TASK", "TRIGGER", "STATUS", "SCHEDULED", "TOOK", "ATTEMPT", "ERROR"], rows))
    }

    /// A history row as one JSON object with the documented field names, in a stable order.
    static func json(_ record: RunRecord) -> String {
        func string(_ value: String?) -> String { value.map(JSONText.quote) ?? "null" }
        func time(_ value: Int64?) -> String { value.map { JSONText.quote(UTCTimestamp.rfc3339(micros: $0)) } ?? "null" }
        let fields = [
            ("id", record.id.map(String.init) ?? "null"), ("task", string(record.task)),
            ("plugin", string(record.plugin)), ("trigger", string(record.trigger.rawValue)),
            ("scheduled_at", time(record.scheduledAt)), ("started_at", time(record.startedAt)),
            ("finished_at", time(record.finishedAt)), ("status", string(record.status.rawValue)),
            ("attempt", String(record.attempt)), ("error", string(record.error)), ("output", string(record.output)),
            ("first_run_id", record.firstRunID.map(String.init) ?? "null"), ("queued_at", time(record.queuedAt)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    private static func oneLine(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count > 80 ? String(flat.prefix(77)) + "..." : flat
    }
}

private func zip(_ a: Int64?, _ b: Int64?) -> (Int64, Int64)? {
    guard let a, let b else { return nil }
    return (a, b)
}

extension RunStatus: ExpressibleByArgument {}
