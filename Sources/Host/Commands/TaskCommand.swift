import Admin
import ArgumentParser
import Config
import Foundation
import History

/// `housekeeper task add|update|remove|show`: runtime tasks on the running daemon (the admin API's `/tasks`).
struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Add, update, remove or show runtime tasks (stored in the state database, kept across restarts).",
        discussion: """
            A runtime task has the same keys as a task in the configuration file, written as a YAML mapping or a \
            JSON object in FILE ("-" reads standard input). The daemon validates it with the rest of the \
            configuration; errors are shown at their line in FILE. Tasks defined in the configuration file are \
            read-only here: edit the file and reload.
            """,
        subcommands: [Add.self, Update.self, Remove.self, Show.self])

    /// `task add FILE`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a runtime task from FILE (YAML or JSON) and schedule it.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The task definition (a YAML mapping or a JSON object); - for standard input.")
        var file: String

        func run() async throws {
            try await TaskCommand.submit(file, replacing: false, options: options)
        }
    }

    /// `task update FILE`.
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Replace the runtime task named in FILE; its next runs follow the new definition.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The new definition (a YAML mapping or a JSON object); - for standard input.")
        var file: String

        func run() async throws {
            try await TaskCommand.submit(file, replacing: true, options: options)
        }
    }

    /// `task remove NAME`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a runtime task (its history stays).",
            discussion: """
                With --database, removes it from a stopped daemon's state database directly: for a runtime task \
                that keeps the daemon from starting (e.g. its group was removed from the file).
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The task to remove.")
        var name: String

        @Option(help: "Remove it from this state database directly (the daemon must be stopped).")
        var database: String?

        func run() async throws {
            if let database {
                try await Self.removeOffline(name, database: database)
                return
            }
            let client = try DaemonConnection.client(options)
            do {
                _ = try await client.send("DELETE", "/tasks/\(DaemonConnection.segment(name))", as: TaskRemoved.self)
            } catch {
                throw DaemonConnection.failure(error)
            }
            Console.out("removed \(name)")
        }

        static func removeOffline(_ name: String, database: String) async throws {
            guard FileManager.default.fileExists(atPath: database) else {
                Console.error("housekeeper: no state database at \(database)")
                throw ExitCode(2)
            }
            do {
                let lock = try DaemonLock(database: database)
                let history = try HistoryStore.open(path: database)
                let removed = try await history.deleteRuntimeTask(name: name)
                withExtendedLifetime(lock) {}
                guard removed else {
                    Console.error("housekeeper: no runtime task named \"\(name)\" in \(database)")
                    throw ExitCode(2)
                }
                Console.out("removed \(name) from \(database)")
            } catch let error as HistoryError {
                Console.error("housekeeper: \(error) (is the daemon running? then remove the task without --database)")
                throw ExitCode(2)
            }
        }
    }

    /// `task show NAME`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a task: where it is defined, its timing, last and next run.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The task to show.")
        var name: String

        @Flag(help: "Print the API's JSON.")
        var json = false

        func run() async throws {
            let client = try DaemonConnection.client(options)
            let path = "/tasks/\(DaemonConnection.segment(name))"
            do {
                if json {
                    Console.out(try await client.text("GET", path).trimmingCharacters(in: .whitespacesAndNewlines))
                    return
                }
                let task = try await client.send("GET", path, as: TaskView.self)
                var rows: [(String, String)] = [
                    ("name", task.name), ("source", task.source == "api" ? "api (runtime task)" : "config file"),
                    ("plugin", task.plugin), ("schedule", task.schedule ?? "-"), ("timezone", task.timezone),
                    ("state", !task.enabled ? "disabled" : task.completed ? "completed" : task.paused ? "paused"
                        : task.running > 0 ? "running" : task.queued > 0 ? "queued" : "idle"),
                    ("next run", task.nextRun ?? "-"),
                    ("last run", task.lastRun.map { "\($0.id) \($0.status) \($0.startedAt ?? $0.scheduledAt)" } ?? "-"),
                ]
                for planned in task.plannedRuns ?? [] {
                    rows.append(("planned", "\(planned.id) at \(planned.dueAt)"
                        + (planned.configOverride ? " (config override)" : "")))
                }
                if let definition = task.definition { rows.append(("definition", definition)) }
                for (key, value) in rows {
                    Console.out(key.padding(toLength: 11, withPad: " ", startingAt: 0) + value)
                }
            } catch {
                throw DaemonConnection.failure(error)
            }
        }
    }

    /// The definition in `file` (or standard input), checked for shape and converted to JSON.
    static func read(_ file: String) throws -> (RuntimeTaskSource, String) {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                Console.error("housekeeper: cannot read \(file)")
                throw ExitCode(2)
            }
            data = contents
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            Console.error("housekeeper: \(file) is not UTF-8 text")
            throw ExitCode(2)
        }
        do {
            return (try RuntimeTaskSource.parse(text, origin: file == "-" ? "<stdin>" : file), text)
        } catch {
            for diagnostic in error.diagnostics { Console.error(Self.located(diagnostic, text: text, file: file)) }
            throw ExitCode(2)
        }
    }

    /// Adds (POST /tasks) or replaces (PUT /tasks/NAME) the task defined in `file` and prints what happened; a
    /// refusal is printed with every problem at its place in `file`.
    static func submit(_ file: String, replacing: Bool, options: ConfigOptions) async throws {
        let (source, text) = try read(file)
        let client = try DaemonConnection.client(options)
        let path = replacing ? "/tasks/\(DaemonConnection.segment(source.name))" : "/tasks"
        do {
            let view = try await client.send(
                replacing ? "PUT" : "POST", path, body: source.definition, as: TaskView.self)
            Console.out("\(replacing ? "updated" : "added") \(view.name)"
                + (view.nextRun.map { ", next run \($0)" } ?? ""))
        } catch {
            if case .invalidTask(_, _, let problems) = error {
                let locations = RuntimeTaskSource.locations(in: text, file: file == "-" ? "<stdin>" : file)
                for problem in problems {
                    let place = problem.pointer.flatMap { locations[$0] }.map { "\($0): error: " }
                    Console.error(place.map { $0 + problem.message } ?? "housekeeper: " + problem.text)
                }
                Console.error("housekeeper: the daemon refused the task; nothing was changed")
                throw ExitCode(2)
            }
            throw DaemonConnection.failure(error)
        }
    }

    /// A local diagnostic with its pointer turned into a line and column of `text`.
    static func located(_ diagnostic: ConfigDiagnostic, text: String, file: String) -> String {
        guard let pointer = diagnostic.location.pointer,
              let location = RuntimeTaskSource.locations(in: text, file: file)[pointer]
        else { return diagnostic.description }
        return "\(location): \(diagnostic.severity.rawValue): \(diagnostic.message)"
    }
}
