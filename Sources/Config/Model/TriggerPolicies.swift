/// `every:` schedules: a fixed interval, optionally aligned to a wall-clock anchor, or counted from the end of the
/// previous run.
public struct IntervalSchedule: Sendable, Hashable {
    /// How the interval is counted (`every_mode`).
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Slots at fixed instants: multiples of the interval since the Unix epoch (real time), or, with an
        /// anchor, from the anchor each local day (wall time).
        case fixedRate = "fixed_rate"
        /// The next run starts one interval after the previous run finished (systemd's DeferReactivation=).
        case afterFinish = "after_finish"
    }

    /// The interval.
    public var every: Duration
    /// Second of the local day the slots align to (`anchor: "00:05"`), if any.
    public var anchor: Int?
    /// How the interval is counted.
    public var mode: Mode

    /// Creates an interval schedule.
    public init(every: Duration, anchor: Int? = nil, mode: Mode = .fixedRate) {
        self.every = every
        self.anchor = anchor
        self.mode = mode
    }
}

/// At most `runs` starts per `per` (`rate_limit:` on a task or a group).
public struct RateLimit: Sendable, Hashable {
    /// How many starts.
    public var runs: Int
    /// In how long a sliding window.
    public var per: Duration

    /// Creates a limit.
    public init(runs: Int, per: Duration) {
        self.runs = runs
        self.per = per
    }
}

/// What happens to a run over its rate limit (`rate_policy`).
public enum RatePolicy: String, Sendable, Hashable, CaseIterable {
    /// It waits (`queued`) until the window has room.
    case queue
    /// It is recorded `skipped` with the limit as reason.
    case skip
}
