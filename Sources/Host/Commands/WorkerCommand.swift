import ArgumentParser
import Foundation
import Isolation

/// `housekeeper worker` (hidden): the worker process of `isolation: process` tasks. The daemon spawns it with
/// the request on standard input and reads its messages on descriptor 3; it is not meant to be run by hand.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one plugin call for the daemon (internal).",
        shouldDisplay: false
    )

    @Argument(parsing: .captureForPassthrough, help: "Protocol options from the daemon.")
    var arguments: [String] = []

    func run() throws {
        Foundation.exit(runWorker(arguments: arguments))
    }
}
