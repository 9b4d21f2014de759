import Admin
import ArgumentParser
import Foundation

/// `housekeeper status`: what the running daemon is doing, through its admin API.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running daemon's tasks, running and queued runs, pauses and alerts.",
        discussion: "Talks to the daemon's admin API (api.listen and the token from the configuration file).")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Print the API's JSON instead of a table.")
    var json = false

    func run() async throws {
        let client = try DaemonConnection.client(options)
        if json {
            do {
                Console.out(try await client.text("GET", "/status").trimmingCharacters(in: .newlines))
            } catch {
                throw DaemonConnection.failure(error)
            }
            return
        }
        let view: StatusView
        do {
            view = try await client.send("GET", "/status", as: StatusView.self)
        } catch {
            throw DaemonConnection.failure(error)
        }
        Console.out("generation \(view.generation) of \(view.configFile), up \(Int(view.uptimeSeconds))s")
        let rows = view.tasks.map { task -> [String] in
            var state: [String] = []
            if !task.enabled { state.append("disabled") }
            if task.paused { state.append("paused") }
            if task.running > 0 { state.append("running \(task.running)") }
            if task.queued > 0 { state.append("queued \(task.queued)") }
            let last = task.lastRun.map { "\($0.status) (run \($0.id))" } ?? "-"
            let summary = state.isEmpty ? "idle" : state.joined(separator: ", ")
            return [task.name, task.plugin, task.nextRun ?? "-", last, summary]
        }
        Console.out(Console.table(["TASK", "PLUGIN", "NEXT", "LAST", "STATE"], rows))
        for run in view.running {
            Console.out("running: run \(run.runId) of \(run.task) (\(run.trigger)) for \(Int(run.runningSeconds))s"
                + (run.stopRequested.map { ", stop requested (\($0))" } ?? ""))
        }
        for run in view.queued { Console.out("queued: run \(run.runId) of \(run.task)") }
        for alert in view.alerts { Console.out("ALERT \(alert.kind): \(alert.message) (since \(alert.since))") }
    }
}
