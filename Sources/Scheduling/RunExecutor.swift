public import Logging
public import PluginHost

/// How a run's plugin call is carried out: in this process on a host thread, or in a worker process.
///
/// `execute` is blocking and is always called on a `BlockingThreadPool` thread, never on the cooperative pool.
/// It must return once the run is over; it watches `control.isStopRequested` (timeout, shutdown, cancel) and, if
/// it can, enforces a hard stop `task.spec`'s grace after the request.
public protocol RunExecutor: Sendable {
    /// Runs `task` once and reports how it ended.
    func execute(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger) -> RunCompletion

    /// The run's plugin call made ready ahead of its start, when this executor carries runs out by calling the
    /// task's instance on the pool thread (`InProcessExecutor`); nil (the default) to be asked to `execute` instead.
    /// Called on the scheduler's actor; `request`'s `startedAt` and `deadline` are not known yet.
    func readyCall(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger) -> ReadyCall?
}

extension RunExecutor {
    public func readyCall(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger)
        -> ReadyCall?
    {
        nil
    }
}

/// How a run ended, as the executor saw it.
public enum RunCompletion: Sendable, Hashable {
    /// The plugin's `run` returned this result.
    case returned(RunResult)
    /// The code running the plugin died (a worker process killed by a signal, an `exit()` in plugin code, a
    /// broken protocol); `reason` names it (e.g. `SIGSEGV`) and includes the last log lines.
    case crashed(reason: String, output: String?)
}

/// Calls the task's plugin instance on the current (host-owned) thread.
public struct InProcessExecutor: RunExecutor {
    /// Creates the executor.
    public init() {}

    /// Calls `run` on the task's instance.
    public func execute(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger) -> RunCompletion {
        guard let instance = task.instance else {
            return .returned(RunResult(
                status: .permanent, message: "task \(task.spec.name) has no in-process instance (isolation: process)",
                output: nil))
        }
        return .returned(instance.run(request, control: control, logger: logger))
    }

    /// The call on the task's instance, made ready (nil for a task without an in-process instance: `execute`
    /// reports it).
    public func readyCall(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger)
        -> ReadyCall?
    {
        task.instance?.readyCall(request, control: control, logger: logger)
    }
}
