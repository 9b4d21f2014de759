/// The state a run (or a decision about a slot) is in. Stored as text; the schema's CHECK constraint lists them.
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Waiting for a free concurrency slot.
    case queued
    /// The plugin is running.
    case running
    /// The plugin returned ok.
    case succeeded
    /// The plugin returned an error.
    case failed
    /// The timeout set should_stop; the run is recorded when the plugin returned (or was abandoned).
    case timedOut = "timed_out"
    /// The run was asked to stop (shutdown, cancel, replace) and stopped.
    case cancelled
    /// The slot was not run (overlap, paused, window, missed); `reason` says why.
    case skipped
    /// The daemon died or gave up on the run before it ended; found at the next start.
    case interrupted
    /// The worker process running the plugin crashed.
    case crashed

    /// Whether the run has ended (no further update will come).
    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .succeeded, .failed, .timedOut, .cancelled, .skipped, .interrupted, .crashed: true
        }
    }
}

/// Why a run happened. Stored as text.
public enum RunTriggerKind: String, Sendable, Hashable, CaseIterable, Codable {
    case schedule, manual, startup, retry
    case catchUp = "catch-up"
    case dependency
}
