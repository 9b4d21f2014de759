/// A health threshold that is crossed: raised once when it is crossed, cleared when it no longer is.
public struct Alert: Sendable, Hashable, Codable {
    /// What is checked.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// The share of failed runs in `alerts.error_rate.window` is above the threshold.
        case errorRate = "error_rate"
        /// Process memory is above `alerts.memory.threshold` of the limit.
        case memory
        /// A task has not succeeded within its `expect_success_within` (the dead-man's switch).
        case noSuccess = "no_success"
    }

    /// What is checked.
    public var kind: Kind
    /// The task concerned (`no_success` only).
    public var task: String?
    /// A sentence for people: what crossed which threshold.
    public var message: String
    /// The measured value (a share 0...1 for rates and memory, seconds since the last success for `no_success`).
    public var value: Double
    /// The threshold it crossed (same unit as `value`).
    public var threshold: Double
    /// When it was raised (µs since the epoch).
    public var since: Int64

    /// Identifies the alert across evaluations: the kind, plus the task for per-task alerts.
    public var key: String { task.map { "\(kind.rawValue):\($0)" } ?? kind.rawValue }

    /// Creates an alert.
    public init(kind: Kind, task: String? = nil, message: String, value: Double, threshold: Double, since: Int64) {
        self.kind = kind
        self.task = task
        self.message = message
        self.value = value
        self.threshold = threshold
        self.since = since
    }
}
