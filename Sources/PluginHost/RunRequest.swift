/// Everything one run needs to know; becomes the plugin's `hk_run_context`.
public struct RunRequest: Sendable, Hashable {
    /// The task's name.
    public var taskName: String
    /// The run's id in history.
    public var runID: Int64
    /// Nominal instant, microseconds since the epoch (UTC).
    public var scheduledAt: Int64
    /// Start, microseconds since the epoch (UTC).
    public var startedAt: Int64
    /// 1 for a first attempt, 2 for the first retry, and so on.
    public var attempt: Int
    /// Why the run happens.
    public var trigger: RunTrigger
    /// Extra context as a JSON object.
    public var contextJSON: String
    /// When should_stop turns true because of the timeout (µs since epoch), if any. Informational for the
    /// plugin: the caller enforces it by calling `RunControl.requestStop()`.
    public var deadline: Int64?

    /// Creates a request.
    /// - Parameters:
    ///   - taskName: the task's name.
    ///   - runID: the run's id in history.
    ///   - scheduledAt: nominal instant, µs since the epoch (UTC).
    ///   - startedAt: start, µs since the epoch (UTC).
    ///   - attempt: 1-based attempt number.
    ///   - trigger: why the run happens.
    ///   - contextJSON: extra context (a JSON object).
    ///   - deadline: the timeout instant, µs since the epoch, if any.
    public init(taskName: String, runID: Int64, scheduledAt: Int64, startedAt: Int64, attempt: Int,
                trigger: RunTrigger, contextJSON: String = "{}", deadline: Int64? = nil) {
        self.taskName = taskName
        self.runID = runID
        self.scheduledAt = scheduledAt
        self.startedAt = startedAt
        self.attempt = attempt
        self.trigger = trigger
        self.contextJSON = contextJSON
        self.deadline = deadline
    }
}

/// What a run call returned.
public struct RunResult: Sendable, Hashable {
    /// The plugin's status.
    public var status: PluginStatus
    /// The plugin's error message (empty on success).
    public var message: String
    /// The plugin's output, if it set one (at most `RunControl.outputLimit` bytes).
    public var output: String?

    /// Creates a result.
    /// - Parameters:
    ///   - status: the plugin's status.
    ///   - message: its error message.
    ///   - output: its output, if any.
    public init(status: PluginStatus, message: String, output: String?) {
        self.status = status
        self.message = message
        self.output = output
    }
}

/// The last progress a plugin reported.
public struct RunProgress: Sendable, Hashable {
    /// Done so far in [0, 1], or `nil` when the plugin said it does not know.
    public var fraction: Double?
    /// What the plugin said it is doing, if anything.
    public var message: String?

    /// Creates a progress report.
    /// - Parameters:
    ///   - fraction: done so far in [0, 1], or `nil`.
    ///   - message: what is happening.
    public init(fraction: Double?, message: String?) {
        self.fraction = fraction
        self.message = message
    }
}
