import Config
import HeapModule
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
        disarm()
        var run = newRun(task, trigger, at: now)
        run.context = context
        return (run.serial, decide(run, now: now, force: force))
    }

    /// Plans a run an operator asked for at a later instant (`POST /tasks/{name}/run` with `at` or `delay`): it is
    /// decided like a manual run (overlap policy, limits, windows) when `instant` comes.
    /// - Returns: the serial of the run.
    public mutating func requestLater(task: String, at instant: Micros, context: String?) -> UInt64 {
        disarm()
        var run = newRun(task, .manual, at: instant)
        run.context = context
        delayed.insert(DelayedEntry(at: instant, run: run, kind: .decide))
        return run.serial
    }

    /// Forgets planned runs (not yet decided) of a task that is gone.
    /// - Returns: their serials.
    public mutating func forgetPlanned(task: String) -> [UInt64] {
        forgetPlanned { $0.task == task }
    }

    /// Forgets one planned run of `task` that is not decided yet.
    /// - Returns: false when no such run of that task waits for its instant.
    public mutating func forgetPlanned(serial: UInt64, task: String) -> Bool {
        !forgetPlanned { $0.serial == serial && $0.task == task }.isEmpty
    }

    private mutating func forgetPlanned(where matches: (PendingRun) -> Bool) -> [UInt64] {
        let gone = delayed.unordered.filter { $0.kind == .decide && $0.run.trigger == .manual && matches($0.run) }
        guard !gone.isEmpty else { return [] }
        let serials = Set(gone.map(\.run.serial))
        delayed = Heap(delayed.unordered.filter { !serials.contains($0.run.serial) })
        return Array(serials)
    }

    /// Cancels a run: a running one is asked to stop (`should_stop`), a waiting one is dropped.
    /// - Returns: the actions; empty when the run is neither running nor waiting, or already asked to stop.
    public mutating func cancel(serial: UInt64, now: Micros) -> [Action] {
        disarm()
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
