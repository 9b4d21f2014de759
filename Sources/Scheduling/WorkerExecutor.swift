public import Logging
public import PluginHost
public import Isolation

/// Runs each run of a task in a worker process (`isolation: process`): crash and hang isolation, hard
/// timeouts (SIGTERM, then SIGKILL after the task's `timeout_grace`), `limits:`, `env:` and
/// `working_directory:`. A dead worker becomes `.crashed` with the signal or exit code and its last log lines.
public struct WorkerExecutor: RunExecutor {
    /// Spawns and supervises the workers.
    public let worker: WorkerProcessExecutor
    /// The state directory handed to `create` for a task name.
    public let stateDirectory: @Sendable (String) -> String

    /// Creates the executor.
    /// - Parameters:
    ///   - worker: how workers are spawned (the daemon's own executable with `worker` by default).
    ///   - stateDirectory: the per-task state directory, e.g. `GenerationLoader.taskStateDirectory(for:task:)`.
    public init(worker: WorkerProcessExecutor = WorkerProcessExecutor(),
                stateDirectory: @escaping @Sendable (String) -> String) {
        self.worker = worker
        self.stateDirectory = stateDirectory
    }

    /// Runs the task's plugin once in a new worker process and waits until the worker is gone.
    public func execute(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger) -> RunCompletion {
        let job = WorkerJob(spec: task.spec, plugin: task.plugin, request: request,
                            stateDirectory: stateDirectory(task.spec.name))
        switch worker.execute(job, control: control, logger: logger).completion {
        case .returned(let result): return .returned(result)
        case .crashed(let reason, let output): return .crashed(reason: reason, output: output)
        }
    }

    /// A picker for `Scheduler(executor:)`: tasks with `isolation: process` get `worker`, the others run in
    /// process.
    public static func picker(worker: WorkerExecutor) -> @Sendable (ScheduledTask) -> any RunExecutor {
        { task in task.spec.isolation == .process ? worker : InProcessExecutor() }
    }
}
