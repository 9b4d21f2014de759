import ArgumentParser

/// `housekeeper resume TASK`: lifts a pause on the running daemon.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused task on the running daemon.")

    @OptionGroup var options: ConfigOptions

    @Argument(help: "The task to resume.")
    var task: String

    func run() async throws {
        try await PauseCommand.set(task, paused: false, options: options)
    }
}
