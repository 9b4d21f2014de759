import Config
import Isolation
import Logging
import PluginHost

/// How the host checks `isolation: process` tasks: their plugin's `create` runs in a worker process, never here.
enum WorkerIsolation {
    /// The config check `GenerationLoader` calls for each process-isolated task.
    static func configCheck(logger: Logger) -> @Sendable (TaskSpec, LoadedPlugin, String) -> Result<Void, PluginFailure> {
        { spec, plugin, stateDirectory in
            WorkerProcessExecutor().validateConfiguration(
                WorkerJob(spec: spec, plugin: plugin, request: nil, stateDirectory: stateDirectory), logger: logger)
        }
    }
}
