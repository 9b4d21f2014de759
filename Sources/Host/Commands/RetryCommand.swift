import Admin
import ArgumentParser

/// `housekeeper retry RUN`: runs a finished run's task again on the running daemon.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a finished run's task again (a new manual run whose context names the original).",
        discussion: "The new run's context has retry_of: RUN. The overlap policy applies. Prints the new run id.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The id of the finished run.")
    var run: Int64

    @Flag(help: "Wait for the new run to end; the exit code reflects its outcome.")
    var wait = false

    func run() async throws {
        let client = try DaemonConnection.client(options)
        let accepted: RunAccepted
        do {
            accepted = try await client.send("POST", "/runs/\(run)/retry", as: RunAccepted.self)
        } catch {
            throw DaemonConnection.failure(error)
        }
        Console.out("run \(accepted.runId) of \(accepted.task): \(accepted.status) (retry of run \(run))")
        guard wait else { return }
        let ended = try await TriggerCommand.waitForEnd(of: accepted.runId, client: client)
        Console.out("run \(ended.id) \(ended.status)" + (ended.error.map { ": \($0)" } ?? ""))
        if ended.status != "succeeded" { throw ExitCode(1) }
    }
}
