public import PluginHost

/// How a worker run ended, in the shape of the scheduler's `RunCompletion`.
public enum WorkerCompletion: Sendable, Hashable {
    /// The plugin's `run` (or, for a create-only job, `create`) returned this result.
    case returned(RunResult)
    /// The worker died before reporting a result: a signal, an `exit()` in plugin code, a broken protocol.
    /// `reason` names it (`SIGSEGV (segmentation fault)`, `memory limit exceeded`) and ends with the last log lines.
    case crashed(reason: String, output: String?)
}

/// Which resource limit a worker ran into.
public enum ResourceLimitKind: String, Sendable, Hashable {
    /// `limits.memory` (the address-space limit).
    case memory
    /// `limits.cpu_seconds`.
    case cpuSeconds = "cpu_seconds"
    /// `limits.open_files`.
    case openFiles = "open_files"
}

/// How the worker process itself ended.
public enum WorkerTermination: Sendable, Hashable {
    /// It called `exit` with this code.
    case exited(Int32)
    /// This signal ended it.
    case signaled(Int32)
    /// It could not be started (spawn failed); the message says why.
    case notStarted(String)
}

/// What the daemon did after a stop request (timeout, shutdown, cancel).
public enum StopEscalation: Sendable, Hashable {
    /// No stop was requested while the worker ran.
    case none
    /// SIGTERM was sent (the worker turns it into `should_stop`).
    case terminated
    /// The worker outlived `timeout_grace` after SIGTERM and was killed with SIGKILL.
    case killed
}

/// Everything the daemon learnt about one worker run.
public struct WorkerReport: Sendable, Hashable {
    /// How the run ended.
    public var completion: WorkerCompletion
    /// How the worker process ended.
    public var termination: WorkerTermination
    /// What was done after a stop request.
    public var escalation: StopEscalation
    /// The limit the worker exceeded, if it did.
    public var limitExceeded: ResourceLimitKind?
    /// The last log lines (plugin log, then worker stdout/stderr), oldest first.
    public var lastLogLines: [String]
    /// The worker's process id (0 when it did not start).
    public var processID: Int32
    /// User plus system CPU time of the worker, in microseconds.
    public var cpuMicroseconds: Int64
    /// The worker's peak resident set size, in KiB.
    public var peakResidentKiB: Int64

    /// Whether the worker died before reporting a result.
    public var crashed: Bool {
        if case .crashed = completion { return true }
        return false
    }
}
