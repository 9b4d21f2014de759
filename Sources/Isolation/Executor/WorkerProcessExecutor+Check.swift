public import Logging
public import PluginHost

extension WorkerProcessExecutor {
    /// Validates a task's `config:` by calling the plugin's `create` (then `destroy`) in a worker process, for
    /// tasks with `isolation: process`: a plugin that crashes in `create` must not take the daemon down during
    /// `housekeeper check` or a reload either. Blocking.
    /// - Parameters:
    ///   - job: the task's job; its `request` is ignored.
    ///   - logger: where the plugin's log lines from `create` go.
    /// - Returns: success, or the plugin's status and message (a crash is an `error` naming the signal).
    public func validateConfiguration(_ job: WorkerJob, logger: Logger) -> Result<Void, PluginFailure> {
        var job = job
        job.request = nil
        switch execute(job, control: RunControl(), logger: logger).completion {
        case .returned(let result) where result.status == .ok:
            return .success(())
        case .returned(let result):
            return .failure(PluginFailure(status: result.status, message: result.message))
        case .crashed(let reason, _):
            return .failure(PluginFailure(status: .error, message: "create crashed in the worker: \(reason)"))
        }
    }
}
