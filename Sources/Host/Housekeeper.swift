import ArgumentParser
import Foundation

/// The `housekeeper` command: a task scheduler daemon and the tools to operate it.
@main
struct Housekeeper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "housekeeper",
        abstract: "A task scheduler daemon: runs plugin tasks on cron schedules, records every run.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, CheckCommand.self, ListCommand.self, NextCommand.self, ExplainCommand.self,
            PluginsCommand.self, HistoryCommand.self, StatusCommand.self, TriggerCommand.self, PauseCommand.self,
            ResumeCommand.self, CancelCommand.self, RetryCommand.self, ReloadCommand.self, TaskCommand.self,
            WorkerCommand.self, ProbeCommand.self,
        ]
    )

    /// Ignores SIGHUP before anything else: a SIGHUP that arrives before the reloader traps it would otherwise
    /// kill the process with the default action. Then parses and runs the command.
    static func main() async {
        signal(SIGHUP, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
