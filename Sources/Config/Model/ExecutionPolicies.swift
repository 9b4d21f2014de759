/// How failed runs are retried (`retry:`).
public struct RetryPolicy: Sendable, Hashable {
    /// How the delay grows between attempts.
    public enum Backoff: String, Sendable, Hashable, CaseIterable {
        /// The same delay before every retry.
        case fixed
        /// The delay doubles with every retry, up to `maxDelay`.
        case exponential
    }
    /// How many retries after the first attempt (so at most `attempts + 1` runs per slot).
    public var attempts: Int
    /// The delay before the first retry.
    public var delay: Duration
    /// How the delay grows.
    public var backoff: Backoff
    /// The longest delay.
    public var maxDelay: Duration
    /// Up to this much is added to each delay, from a stable hash of the task, slot and attempt.
    public var jitter: Duration

    /// Creates a policy.
    public init(attempts: Int = 3, delay: Duration = .seconds(10), backoff: Backoff = .exponential,
                maxDelay: Duration = .seconds(3600), jitter: Duration = .zero) {
        self.attempts = attempts
        self.delay = delay
        self.backoff = backoff
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// The delay before retry number `retry` (1 for the first retry), without jitter.
    public func delay(beforeRetry retry: Int) -> Duration {
        guard backoff == .exponential, retry > 1 else { return min(delay, maxDelay) }
        var value = delay
        for _ in 1..<retry {
            value = value * 2
            if value >= maxDelay { return maxDelay }
        }
        return min(value, maxDelay)
    }
}

/// What happens to slots the scheduler could not fire on time (daemon down, suspend, clock step, overload).
public enum CatchUpPolicy: String, Sendable, Hashable, CaseIterable {
    /// Run none of them; record them as skipped (`missed`).
    case none
    /// Run the most recent one; record the others as skipped.
    case latest
    /// Run them all, oldest first, one after another, up to `max_catch_up`; record the rest as skipped.
    case all
}

/// Which outcome of another task's run triggers a dependent task (`on:`).
public enum DependencyCondition: String, Sendable, Hashable, CaseIterable {
    /// The run succeeded.
    case success
    /// The run failed for good (failed, timed out or crashed, after its retries).
    case failure
    /// The run ended in any way but `cancelled` or `skipped`.
    case completion
}

/// What happens to a slot that falls outside the task's windows.
public enum WindowPolicy: String, Sendable, Hashable, CaseIterable {
    /// Record it as skipped.
    case skip
    /// Queue it until the next window opens.
    case wait
}
