// CONTRACT STUB — the cron engine's public surface that the rest of housekeeper compiles against.
// The cron work replaces these bodies (and this file) with the real engine; the signatures stay.

/// Seconds since the Unix epoch, UTC. Cron works in whole seconds.
public typealias EpochSeconds = Int64

/// An error in a cron expression, naming the field, the token and its column.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field the error is in (`"minute"`, `"day-of-week"`), or nil for the whole expression.
    public var field: String?
    /// The offending token as written.
    public var token: String
    /// 0-based offset of the token in the expression text (in characters).
    public var column: Int
    /// What is wrong and what would be right, e.g. `invalid day-of-week "8" (expected 0-7 or SUN-SAT)`.
    public var message: String
    /// Creates an error.
    public init(field: String?, token: String, column: Int, message: String) {
        self.field = field
        self.token = token
        self.column = column
        self.message = message
    }
    /// The message alone (callers add positions and caret lines).
    public var description: String { message }
}

/// A parsed cron expression (5, 6 or 7 fields, or a nickname).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    /// True for `@reboot`: runs once when the daemon starts, never on a schedule.
    public let isReboot: Bool

    /// Parses `text`; `seed` is the task name that `H` fields hash.
    /// - Throws: `CronError` naming the field, token and column.
    public static func parse(_ text: String, seed: String = "") throws(CronError) -> CronExpression {
        throw CronError(field: nil, token: text, column: 0, message: "cron engine not built yet")
    }

    private init(source: String, isReboot: Bool) {
        self.source = source
        self.isReboot = isReboot
    }

    /// The expression as written.
    public var description: String { source }
}

/// An error loading a time zone.
public struct TimeZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The identifier asked for.
    public var identifier: String
    /// Why it could not be loaded.
    public var message: String
    /// Creates an error.
    public init(identifier: String, message: String) {
        self.identifier = identifier
        self.message = message
    }
    /// A readable description.
    public var description: String { message }
}

/// The UTC-offset rules of one IANA time zone, read from the system's TZif files.
public struct TimeZoneRules: Sendable, Hashable {
    /// The IANA identifier (`"Europe/Paris"`, `"UTC"`).
    public let identifier: String

    /// UTC.
    public static let utc = TimeZoneRules(identifier: "UTC", placeholder: ())

    private init(identifier: String, placeholder: Void) { self.identifier = identifier }

    /// Loads a zone by IANA identifier; `"local"` means the system zone.
    /// - Throws: `TimeZoneError` when the zone does not exist.
    public init(identifier: String) throws(TimeZoneError) {
        guard identifier == "UTC" else { throw TimeZoneError(identifier: identifier, message: "unknown time zone") }
        self.identifier = identifier
    }

    /// Offset from UTC in seconds in effect at `instant`.
    public func offset(at instant: EpochSeconds) -> Int32 { 0 }
}

/// What a fixed-time job does when its wall time falls into a spring-forward gap.
public enum DSTGapPolicy: String, Sendable, Hashable, CaseIterable {
    /// Fire once at the transition instant (cronie's rule; the default).
    case coalesce
    /// Do not fire (the OCPS 1.4 recommendation).
    case skip
}

/// A cron expression bound to a time zone: computes fire instants.
public struct CronSchedule: Sendable {
    /// The expression.
    public let expression: CronExpression
    /// The zone its wall-clock fields are matched in.
    public let zone: TimeZoneRules
    /// The DST-gap rule.
    public let dstGap: DSTGapPolicy

    /// Binds an expression to a zone.
    public init(expression: CronExpression, zone: TimeZoneRules, dstGap: DSTGapPolicy = .coalesce) {
        self.expression = expression
        self.zone = zone
        self.dstGap = dstGap
    }

    /// The first fire instant strictly after `instant`, or nil if the schedule never fires again
    /// (impossible dates, `@reboot`, or past year 2199).
    public func next(after instant: EpochSeconds) -> EpochSeconds? { nil }
}

/// RFC 3339 formatting of instants in a zone.
public enum CronFormat {
    /// `2026-03-29T03:00:00+02:00` for `instant` in `zone` (`Z` is never used; UTC prints `+00:00`).
    public static func rfc3339(_ instant: EpochSeconds, in zone: TimeZoneRules) -> String { "" }
}
