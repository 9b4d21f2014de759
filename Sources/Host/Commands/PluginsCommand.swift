import ArgumentParser
import Config
import Isolation
import Logging
import PluginHost
import Scheduling

/// `housekeeper plugins`: what the plugin directory holds and what was refused.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List loaded plugins (name, version, ABI, file, sha256) and rejected files with the reason."
    )

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let config: HousekeeperConfig
        do {
            config = try ConfigLoader.load(path: options.config, environment: options.environment)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(1)
        }
        let loader = PluginLoader(
            options: PluginLoaderOptions(
                directory: config.pluginsDirectory,
                cacheDirectory: GenerationLoader.pluginCacheDirectory(for: config),
                allowInsecure: options.allowInsecurePlugins),
            logger: Logger(label: "housekeeper.plugins"),
            // A file that crashes or hangs while loading is rejected by a probe process, not by our own death.
            vetter: PluginProbe(logger: Logger(label: "housekeeper.probe")))
        let catalog = loader.load()
        let rows = catalog.plugins.values.sorted { $0.name < $1.name }.map { plugin in
            [plugin.name, plugin.version, "\(plugin.abiVersion >> 16).\(plugin.abiVersion & 0xFFFF)",
             plugin.sourcePath, plugin.sha256]
        }
        Console.out("plugins in \(config.pluginsDirectory):")
        Console.out(Console.table(["NAME", "VERSION", "ABI", "FILE", "SHA256"], rows))
        if !catalog.rejected.isEmpty {
            Console.out("\nrejected:")
            for rejection in catalog.rejected { Console.out("  \(rejection.path): \(rejection.reason)") }
        }
    }
}
