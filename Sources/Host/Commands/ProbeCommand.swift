import ArgumentParser
import Foundation
import Isolation

/// `housekeeper probe FILE` (hidden): loads a plugin file in a throw-away process and reports its descriptor on
/// descriptor 3, so the daemon never loads a file that crashes or hangs while loading. Internal.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Load a plugin file and report its descriptor to the daemon (internal).",
        shouldDisplay: false
    )

    @Argument(help: "The plugin file to load.")
    var file: String

    func run() throws {
        Foundation.exit(runProbe(arguments: [file]))
    }
}
