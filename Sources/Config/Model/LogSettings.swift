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

    /// Which runs get `run.started` / `run.finished` lines at `info` (`log.runs`). History records every run
    /// either way.
    public enum Runs: String, Sendable, Hashable, CaseIterable {
        /// Every run: `run.started` and `run.finished` (the default).
        case all
        /// Only runs that did not succeed get their `run.finished` line (a warning, rate-limited per task);
        /// the rest go to `debug`. For daemons with thousands of runs a second, whose log would otherwise be
        /// mostly success lines (journald drops lines past its rate limit, warnings included).
        case failures
    }

    /// The lowest level logged (default `info`).
    public var level: Level
    /// The line format (default `text`).
    public var format: Format
    /// Which runs are logged at `info` (default `all`).
    public var runs: Runs

    /// Creates settings; the defaults are those of a file without a `log:` section.
    public init(level: Level = .info, format: Format = .text, runs: Runs = .all) {
        self.level = level
        self.format = format
        self.runs = runs
    }
}
