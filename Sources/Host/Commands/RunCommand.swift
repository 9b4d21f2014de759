public import ArgumentParser
public import Logging

/// `housekeeper run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the scheduler daemon in the foreground.",
        discussion: """
            SIGHUP reloads the configuration and rescans the plugin directory (an invalid new configuration is \
            logged and the running one kept). SIGTERM or SIGINT stops dispatching, asks running tasks to stop, \
            waits up to shutdown.grace_period and exits 0; a second signal stops waiting.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default: log.level, else info).")
    var logLevel: Logger.Level?

    func run() async throws {
        try await Daemon(options: options, logLevel: logLevel).run()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
