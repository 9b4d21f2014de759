import Admin
import ArgumentParser
import Foundation

/// `housekeeper trigger TASK [--wait]`: runs a task now on the running daemon.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Run a task now on the running daemon (the overlap policy applies unless --force).",
        discussion: """
            Prints the run id. With --wait, waits for the run to end and exits 0 when it succeeded, 1 when it \
            did not (failed, timed out, crashed, cancelled). Exits 2 when the daemon refuses (unknown task, run \
            skipped by the overlap policy) and 3 when it cannot be reached.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The task to run.")
    var task: String

    @Flag(help: "Wait for the run to end; the exit code reflects its outcome.")
    var wait = false

    @Flag(help: "Run even if the overlap policy would skip it (limits still apply).")
    var force = false

    func run() async throws {
        let client = try DaemonConnection.client(options)
        let path = "/tasks/\(DaemonConnection.segment(task))/run" + (force ? "?force=true" : "")
        let accepted: RunAccepted
        do {
            accepted = try await client.send("POST", path, as: RunAccepted.self)
        } catch {
            throw DaemonConnection.failure(error)
        }
        Console.out("run \(accepted.runId) of \(accepted.task): \(accepted.status)"
            + (accepted.reason.map { " (\($0))" } ?? ""))
        guard wait else { return }
        let run = try await Self.waitForEnd(of: accepted.runId, client: client)
        Console.out("run \(run.id) \(run.status)" + (run.durationSeconds.map { " in \($0)s" } ?? "")
            + (run.error.map { ": \($0)" } ?? ""))
        if run.status != "succeeded" { throw ExitCode(1) }
    }

    /// Polls the run until it has a final status.
    static func waitForEnd(of id: Int64, client: AdminClient) async throws -> RunView {
        var delay: Duration = .milliseconds(50)
        while true {
            let run: RunView
            do {
                run = try await client.send("GET", "/runs/\(id)", as: RunView.self)
            } catch {
                throw DaemonConnection.failure(error)
            }
            if run.status != "running" && run.status != "queued" { return run }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(1))
        }
    }
}
