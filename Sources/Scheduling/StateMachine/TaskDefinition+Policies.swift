public import Config

extension TaskDefinition {
    /// The policies a task may leave at their defaults: limits, retries, catch-up, windows, hooks, dependencies,
    /// start-up, one-time and interval timing, rate limits. Read and written like the definition's own properties
    /// (`definition.retry`, through `subscript(dynamicMember:)`).
    ///
    /// Kept apart so that tasks with equal policies share one copy (`SchedulerStateMachine.install` shares them):
    /// the state machine holds a definition per task, and 100,000 tasks (issue 8's idle workload) each holding
    /// about 250 bytes of policies they never set was 25 MB.
    public struct Policies: Sendable, Hashable {
        /// With `overlap: allow`, how many runs may be active at once.
        public var maxInstances: Int = 1
        /// The task's concurrency group, if any.
        public var group: String?
        /// Reported stuck this long after `should_stop` if still running.
        public var timeoutGrace: Micros = 10_000_000
        /// Retry policy, if any.
        public var retry: RetryPolicy?
        /// What happens to slots later than `maxLateness` (missed slots).
        public var catchUp: CatchUpPolicy = .latest
        /// With `catch_up: all`, at most this many missed slots run.
        public var maxCatchUp: Int = 10
        /// Windows in which runs may start; empty for always.
        public var windows: [TimeWindow] = []
        /// What happens to a run outside the windows: skipped, or waits for the next opening.
        public var windowPolicy: WindowPolicy = .skip
        /// Tasks whose end triggers this one.
        public var after: [String] = []
        /// Which outcome of an `after` task triggers this one.
        public var afterCondition: DependencyCondition = .success
        /// Tasks to run when a run of this one fails for good.
        public var onFailure: [String] = []
        /// Tasks to run when a run of this one succeeds.
        public var onSuccess: [String] = []
        /// Run once at daemon start, after `startupDelay`.
        public var startup: Bool = false
        /// How long after start-up the start-up run waits.
        public var startupDelay: Micros = 0
        /// One-time instants (`at:`), sorted.
        public var at: [Micros] = []
        /// An interval schedule (`every:`), if any.
        public var every: Interval?
        /// At most `runs` starts per `per` microseconds.
        public var rateLimit: Limit?
        /// What happens to a run over the rate limit: it waits, or is skipped.
        public var ratePolicy: RatePolicy = .queue

        /// Every policy at its default.
        public init() {}
    }

    /// The policies, all at once.
    public var policies: Policies {
        get { sharedPolicies.value }
        set { sharedPolicies = Shared(newValue) }
    }

    /// The policies every definition starts with, one copy for all.
    static let defaultPolicies = Shared(Policies())

    /// A policy, read or written like a stored property (`definition.retry`); a write stores a new copy of the
    /// policies (the shared one is never changed).
    public subscript<Value>(dynamicMember path: WritableKeyPath<Policies, Value>) -> Value {
        get { sharedPolicies.value[keyPath: path] }
        set {
            var policies = sharedPolicies.value
            policies[keyPath: path] = newValue
            sharedPolicies = Shared(policies)
        }
    }
}
