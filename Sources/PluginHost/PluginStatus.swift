/// A plugin's status code (mirrors `HK_STATUS_*`).
public enum PluginStatus: Sendable, Hashable {
    /// `HK_STATUS_OK`.
    case ok
    /// `HK_STATUS_ERROR`: the work failed; retried under a retry policy.
    case error
    /// `HK_STATUS_CONFIG_ERROR`: the task's configuration is invalid; never retried.
    case configError
    /// `HK_STATUS_RETRYABLE`: a transient failure.
    case retryable
    /// `HK_STATUS_CANCELLED`: stopped because `should_stop` turned true.
    case cancelled
    /// `HK_STATUS_PERMANENT`: retrying cannot help.
    case permanent
    /// A code this host does not know (a newer plugin); treated as an error.
    case unknown(Int32)

    /// Maps a C status code.
    /// - Parameter code: an `HK_STATUS_*` value.
    public init(code: Int32) {
        switch code {
        case 0: self = .ok
        case 1: self = .error
        case 2: self = .configError
        case 3: self = .retryable
        case 4: self = .cancelled
        case 5: self = .permanent
        default: self = .unknown(code)
        }
    }

    /// The C status code.
    public var code: Int32 {
        switch self {
        case .ok: 0
        case .error: 1
        case .configError: 2
        case .retryable: 3
        case .cancelled: 4
        case .permanent: 5
        case .unknown(let code): code
        }
    }

    /// A short name for logs and history: `ok`, `error`, `config-error`, `retryable`, `cancelled`, `permanent`.
    public var name: String {
        switch self {
        case .ok: "ok"
        case .error: "error"
        case .configError: "config-error"
        case .retryable: "retryable"
        case .cancelled: "cancelled"
        case .permanent: "permanent"
        case .unknown(let code): "unknown-\(code)"
        }
    }
}

/// Why a run happens (mirrors `HK_TRIGGER_*`); the raw value is the name used in logs and history.
public enum RunTrigger: String, Sendable, Hashable, CaseIterable {
    /// A cron slot fell due.
    case schedule
    /// An operator asked.
    case manual
    /// The daemon started.
    case startup
    /// An earlier attempt failed and the retry policy fired.
    case retry
    /// A slot missed while the daemon was down.
    case catchUp = "catch-up"
    /// Another task's run ended.
    case dependency

    /// The C trigger code (`HK_TRIGGER_*`).
    public var code: UInt32 {
        switch self {
        case .schedule: 0
        case .manual: 1
        case .startup: 2
        case .retry: 3
        case .catchUp: 4
        case .dependency: 5
        }
    }
}
