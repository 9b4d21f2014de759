/// Why a run happens (mirrors `HK_TRIGGER_*`); the raw value is the name used in logs and history.
public enum TaskTrigger: String, Sendable, Hashable, CaseIterable {
    /// A cron slot fell due.
    case schedule
    /// An operator asked (CLI or API).
    case manual
    /// The daemon started.
    case startup
    /// An earlier attempt failed and the retry policy fired.
    case retry
    /// A slot missed while the daemon was down.
    case catchUp = "catch-up"
    /// Another task's run ended.
    case dependency

    /// Maps a C trigger code; `nil` for a code this kit does not know.
    /// - Parameter code: an `HK_TRIGGER_*` value.
    public init?(code: UInt32) {
        switch code {
        case 0: self = .schedule
        case 1: self = .manual
        case 2: self = .startup
        case 3: self = .retry
        case 4: self = .catchUp
        case 5: self = .dependency
        default: return nil
        }
    }
}

/// A log level a plugin writes at (mirrors `HK_LOG_*`).
public enum PluginLogLevel: Int32, Sendable, Hashable, CaseIterable {
    /// Very detailed tracing.
    case trace = 0
    /// Debugging detail.
    case debug = 1
    /// Normal operation.
    case info = 2
    /// Worth an operator's attention.
    case notice = 3
    /// Something unexpected that the task survived.
    case warning = 4
    /// A failure.
    case error = 5
}

/// Capability flags of a plugin (mirrors `HK_CAP_*`).
public struct PluginCapabilities: OptionSet, Sendable, Hashable {
    /// The raw `HK_CAP_*` bits.
    public let rawValue: UInt64
    /// Creates flags from raw bits.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// `run` may be called concurrently on one instance (the task synchronises its own state).
    public static let concurrentRuns = PluginCapabilities(rawValue: 1 << 0)
    /// The task polls `shouldStop` and returns promptly when asked.
    public static let cooperativeStop = PluginCapabilities(rawValue: 1 << 1)
}
