import ArgumentParser
import Config
import Foundation

/// Options every command that reads the configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "The configuration file.")
    var config: String = "config.yaml"

    @Flag(help: "Load plugins even if their files or folder are writable by others (development only).")
    var allowInsecurePlugins = false

    /// The process environment for `${VAR}` expansion, plus `CONFIG_DIR`: the absolute folder of the config file
    /// (so plugin configs can name files next to it whatever the daemon's working directory).
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        let absolute = URL(fileURLWithPath: config).standardizedFileURL
        environment["CONFIG_DIR"] = environment["CONFIG_DIR"] ?? absolute.deletingLastPathComponent().path
        return environment
    }

    /// Reads the file once and loads it (without runtime tasks): its text and configuration.
    /// - Throws: `ConfigErrors` with every problem at its place in the file.
    func readConfig() throws(ConfigErrors) -> (text: String, config: HousekeeperConfig) {
        let text = try ConfigLoader.readText(path: config)
        return (text, try ConfigLoader.load(path: config, text: text, environment: environment))
    }
}
