/// A failure a task reports from `init(config:context:)` or `run(_:)`; it becomes the C status and message.
public struct PluginError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, which decides whether the host retries.
    public enum Status: Sendable, Hashable {
        /// The work failed (`HK_STATUS_ERROR`); retried if the task has a retry policy.
        case error
        /// The configuration is invalid (`HK_STATUS_CONFIG_ERROR`); never retried.
        case config
        /// A transient failure worth retrying (`HK_STATUS_RETRYABLE`).
        case retryable
        /// The run stopped because the host asked (`HK_STATUS_CANCELLED`).
        case cancelled
        /// A failure retrying cannot fix (`HK_STATUS_PERMANENT`).
        case permanent

        /// The C status code.
        var code: Int32 {
            switch self {
            case .error: 1
            case .config: 2
            case .retryable: 3
            case .cancelled: 4
            case .permanent: 5
            }
        }
    }

    /// The kind of failure.
    public var status: Status
    /// A message for the operator; name the subject (the config key, the file).
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - status: the kind of failure.
    ///   - message: what went wrong, naming the subject.
    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A configuration error naming `key`, e.g. `file: must be a string`.
    public static func config(key: String, _ problem: String) -> PluginError {
        PluginError(.config, "\(key): \(problem)")
    }

    /// The run was cancelled because `shouldStop` turned true.
    public static let cancelled = PluginError(.cancelled, "stopped on request")

    /// The message.
    public var description: String { message }
}
