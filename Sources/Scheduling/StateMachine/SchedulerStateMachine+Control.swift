import Config
public import PluginHost

extension SchedulerStateMachine {
    /// Decides a run an operator or an alert asked for.
    /// - Parameters:
    ///   - force: bypass the overlap policy (the global and group limits and windows still apply).
    ///   - context: a JSON object whose keys are added to the run's context.
    /// - Returns: the serial of the new run and the actions (one of them is the run's start, queue or skip).
    public mutating func request(
        task: String, trigger: RunTrigger, force: Bool, context: String?, now: Micros
    ) -> (serial: UInt64, actions: [Action]) {
        var run = newRun(task, trigger, at: now)
        run.context = context
        return (run.serial, decide(run, now: now, force: force))
    }

    /// Cancels a run: a running one is asked to stop (`should_stop`), a waiting one is dropped.
    /// - Returns: the actions; empty when the run is neither running nor waiting, or already asked to stop.
    public mutating func cancel(serial: UInt64, now: Micros) -> [Action] {
        if let running = runningRuns[serial] {
            guard running.stopRequested == nil else { return [] }
            runningRuns[serial]!.stopRequested = .cancelled
            runningRuns[serial]!.stuckAt = now + (tasks[running.run.task]?.definition.timeoutGrace ?? 0)
            return [.stop(running.run, reason: .cancelled)]
        }
        return dropWaiting(reason: "cancelled by an operator") { $0.serial == serial }
    }

    /// Runs waiting in line or for their window, first come first served.
    public var waitingRuns: [PendingRun] {
        waiting.map(\.run) + delayed.unordered.filter { $0.kind == .admit }.sorted().map(\.run)
    }
}
