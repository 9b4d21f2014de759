/// Logging settings (`log:`).
public struct LogSettings: Sendable, Hashable {
    /// The lowest level logged (`log.level`), named as swift-log names its levels.
    public enum Level: String, Sendable, Hashable, CaseIterable {
        /// Everything, including per-step tracing.
        case trace
        /// Details useful when debugging.
        case debug
        /// Normal operation (the default).
        case info
        /// Normal but significant events.
        case notice
        /// Something unexpected that housekeeper recovered from.
        case warning
        /// A failure of one operation.
        case error
        /// A failure that stops housekeeper.
        case critical
    }

    /// How each log line is written (`log.format`).
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Human-readable text.
        case text
        /// One JSON object per line.
        case json
    }

    /// The lowest level logged (default `info`).
    public var level: Level
    /// The line format (default `text`).
    public var format: Format

    /// Creates settings; the defaults are those of a file without a `log:` section.
    public init(level: Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }
}
