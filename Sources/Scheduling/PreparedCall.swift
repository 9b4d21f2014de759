import Logging
import PluginHost

/// A run's plugin call made ready on the scheduler actor, to be carried out on a pool thread: everything the call
/// needs but the instant it starts.
///
/// The loop prepares one for every run it launches and for every waiting run it offers the relay (`RunRelay`).
/// A class: a call is handed from the loop to offers, claims and closures, and copying its two tasks' fields at
/// each hand-over (a retain and a release of each) was 8 % of the loop's time in the steady workload (perf).
final class PreparedCall: Sendable {
    // The fields a pool thread reads come first, next to the object's header: a pool thread's first touch of a
    // call the actor made is a cache miss, and a field four lines further in (`control`, once) was another one,
    // two thirds of `callLine`'s own time (perf annotate, steady workload). A released line's runs now read these
    // from their slots (`ReleasedLine.Slot`); the relay's runs still read them here.

    /// The plugin call made ready now, when the executor calls the task's instance in this process: the pool
    /// thread then only gives it the start (`ReadyCall`).
    let ready: ReadyCall?
    /// Shared with the run's `ActiveRun`: stop requests reach the call.
    let control: RunControl
    /// The task's `timeout`, read here: the pool thread touches no more of the task than it must.
    let timeout: Micros?
    /// The run, as the state machine decided it.
    let run: PendingRun
    /// Its history row.
    let id: Int64
    /// The task as configured (its instance is counted while the run calls it).
    let task: ScheduledTask
    /// The task the executor is given: `task`, or a copy with the run's config override merged in.
    let callTask: ScheduledTask
    let executor: any RunExecutor
    let contextJSON: String
    let logger: Logger

    init(
        run: PendingRun, id: Int64, task: ScheduledTask, callTask: ScheduledTask, executor: any RunExecutor,
        control: RunControl, contextJSON: String, logger: Logger
    ) {
        self.run = run
        self.id = id
        self.task = task
        self.callTask = callTask
        self.executor = executor
        self.control = control
        self.contextJSON = contextJSON
        self.logger = logger
        timeout = task.spec.timeout?.micros
        // The start and the deadline are the call's, given when it is made.
        let request = Self.request(run: run, id: id, contextJSON: contextJSON, startedAt: 0, deadline: nil)
        ready = executor.readyCall(task: callTask, request: request, control: control, logger: logger)
    }

    /// The task whose slot the run frees when it ends, for the relay to hand on; nil for a task in a group, whose
    /// end frees a group slot that only the state machine may give away.
    var slotTask: String? { task.spec.group == nil ? run.task : nil }

    /// Calls the plugin (blocking: on a pool thread only) for a run that starts at `startedAt`; `scratch` is the
    /// pool thread's error buffer.
    func execute(startedAt: Micros, scratch: borrowing ErrorScratch) -> RunCompletion {
        if let ready { return ready.carryOut(startedAt: startedAt, timeout: timeout, scratch: scratch) }
        let request = Self.request(
            run: run, id: id, contextJSON: contextJSON, startedAt: startedAt, deadline: timeout.map { startedAt + $0 })
        return executor.execute(task: callTask, request: request, control: control, logger: logger)
    }

    private static func request(run: PendingRun, id: Int64, contextJSON: String, startedAt: Micros, deadline: Micros?)
        -> RunRequest
    {
        RunRequest(
            taskName: run.task, runID: id, scheduledAt: run.scheduledAt, startedAt: startedAt, attempt: run.attempt,
            trigger: run.trigger, contextJSON: contextJSON, deadline: deadline)
    }
}

extension ReadyCall {
    /// Calls the plugin for a run that starts at `startedAt` under the task's `timeout` (blocking: on a pool thread
    /// only), as `PreparedCall.execute` and `ReleasedLine.execute` do.
    func carryOut(startedAt: Micros, timeout: Micros?, scratch: borrowing ErrorScratch) -> RunCompletion {
        .returned(call(startedAt: startedAt, deadline: timeout.map { startedAt + $0 }, scratch: scratch))
    }
}
