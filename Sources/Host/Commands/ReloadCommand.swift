import Admin
import ArgumentParser

/// `housekeeper reload`: reloads the running daemon's configuration (as SIGHUP does) and prints the result.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload the running daemon's configuration and plugins; print what changed or every error.",
        discussion: "On errors the daemon keeps its running configuration and this exits 2 after listing them.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let client = try DaemonConnection.client(options, quiet: true)
        do {
            let applied = try await client.send("POST", "/reload", as: ReloadApplied.self)
            Console.out("generation \(applied.generation) applied")
            for (label, names) in [("added", applied.added), ("removed", applied.removed), ("changed", applied.changed),
                                   ("plugins loaded", applied.pluginsLoaded)] where !names.isEmpty {
                Console.out("  \(label): \(names.joined(separator: ", "))")
            }
        } catch {
            throw DaemonConnection.failure(error)
        }
    }
}
