import Config
public import PluginHost

/// A run the state machine decided on. `serial` identifies it inside one daemon's life.
public struct PendingRun: Sendable, Hashable {
    /// Unique per state machine.
    public var serial: UInt64
    /// Task name.
    public var task: String
    /// Why it runs.
    public var trigger: RunTrigger
    /// Its nominal instant (a slot, or when it was asked for or became due).
    public var scheduledAt: Micros
    /// 1 for a first attempt.
    public var attempt: Int
    /// The serial of the first attempt (its own serial for a first attempt).
    public var firstSerial: UInt64
    /// The run whose end triggered this one (dependencies, hooks).
    public var cause: RunCause?
    /// A JSON object whose keys are added to the plugin's run context (an operator's retry, an alert), if any.
    public var context: String?

    /// Creates a run.
    public init(serial: UInt64, task: String, trigger: RunTrigger, scheduledAt: Micros, attempt: Int = 1,
                firstSerial: UInt64? = nil, cause: RunCause? = nil) {
        self.serial = serial
        self.task = task
        self.trigger = trigger
        self.scheduledAt = scheduledAt
        self.attempt = attempt
        self.firstSerial = firstSerial ?? serial
        self.cause = cause
    }
}

/// The run whose end triggered another.
public struct RunCause: Sendable, Hashable {
    /// Its task.
    public var task: String
    /// Its serial.
    public var serial: UInt64
    /// How it ended.
    public var end: RunEnd
}

/// How a run ended, as far as policies care.
public enum RunEnd: String, Sendable, Hashable {
    case succeeded
    /// A failure worth retrying (error, retryable, unknown status).
    case failed
    /// A failure the plugin marked permanent or a configuration error: never retried.
    case failedPermanently
    case timedOut
    case crashed
    case cancelled
    case interrupted

    /// Retries apply to these.
    var isRetryable: Bool { self == .failed || self == .timedOut || self == .crashed }
    /// `on: failure` and `on_failure` fire for these.
    var isFailure: Bool { isRetryable || self == .failedPermanently }

    func satisfies(_ condition: DependencyCondition) -> Bool {
        switch condition {
        case .success: self == .succeeded
        case .failure: isFailure
        case .completion: self != .cancelled && self != .interrupted
        }
    }
}

/// Why the machine asks a running run to stop.
public enum StopReason: String, Sendable, Hashable {
    /// Its timeout passed.
    case timeout
    /// A newer slot replaces it (`overlap: replace`).
    case replaced
    /// An operator cancelled it.
    case cancelled
}

/// What the caller must do.
public enum SchedulerAction: Sendable, Hashable {
    /// Record the run as running and call the plugin now.
    case start(PendingRun)
    /// Record the run as queued (it waits for a slot, its window, or the task's previous run).
    case queue(PendingRun, reason: String)
    /// A queued run may start now: mark it running and call the plugin.
    case startQueued(PendingRun)
    /// Record the run as skipped with this reason; nothing runs. `coalesced` slots are included in the decision.
    case skip(PendingRun, reason: String)
    /// A queued run will never start: record it cancelled.
    case dropQueued(PendingRun, reason: String)
    /// Raise `should_stop` on a running run.
    case stop(PendingRun, reason: StopReason)
    /// A run went past its timeout plus grace and still has not returned: report it (it keeps its slot).
    case stuck(PendingRun)
}
