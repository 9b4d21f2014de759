import Admin
import ArgumentParser

/// `housekeeper pause TASK`: stops a task's scheduled runs on the running daemon, durably.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a task on the running daemon: its slots are recorded as skipped; manual runs still run.",
        discussion: "The pause is kept in the state database, across restarts and reloads, until `resume`.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The task to pause.")
    var task: String

    func run() async throws {
        try await Self.set(task, paused: true, options: options)
    }

    static func set(_ task: String, paused: Bool, options: ConfigOptions) async throws {
        let client = try DaemonConnection.client(options)
        let action = paused ? "pause" : "resume"
        do {
            let state = try await client.send(
                "POST", "/tasks/\(DaemonConnection.segment(task))/\(action)", as: PauseState.self)
            Console.out("\(state.task): \(state.paused ? "paused" : "resumed")")
        } catch {
            throw DaemonConnection.failure(error)
        }
    }
}
