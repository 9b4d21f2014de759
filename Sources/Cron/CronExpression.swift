/// A parsed cron expression (5, 6 or 7 fields, or a nickname).
///
/// Parsing does all the work once: fields become bit sets, `H` is resolved with the seed, and whether the
/// expression can ever fire is decided, so `CronSchedule.next(after:)` only scans bits.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    /// True for `@reboot`: runs once when the daemon starts, never on a schedule.
    public let isReboot: Bool
    /// True when the minute and hour fields both do not start with `*` (`30 2 * * *`, `@daily`): such a job
    /// coalesces a spring-forward gap into one run and runs once in a fall-back overlap.
    public let isFixedTime: Bool
    /// True for a valid expression that matches no instant in 1970–2199 (`0 0 31 2 *`); `@reboot` is not.
    public let neverFires: Bool
    /// The number of fields written: 5, 6 or 7 (a nickname counts as its 5-field expansion, `@reboot` as 0).
    public let fieldCount: Int
    /// The seed `H` was resolved with.
    public let seed: String
    /// The matcher's bit sets.
    let fields: CronFields
    /// The seven field texts, seconds first (defaults `0` and `*` where not written).
    let texts: [String]

    /// Parses `text`; `seed` is the task name that `H` fields hash.
    /// - Throws: `CronError` naming the field, token and column.
    public static func parse(_ text: String, seed: String = "") throws(CronError) -> CronExpression {
        let result = try CronParser.parse(text, seed: seed)
        return CronExpression(source: text, seed: seed, result: result)
    }

    private init(source: String, seed: String, result: CronParser.Result) {
        self.source = source
        self.seed = seed
        self.isReboot = result.isReboot
        self.isFixedTime = result.isFixedTime
        self.fieldCount = result.fieldCount
        self.fields = result.fields
        self.texts = result.texts
        self.neverFires = !result.isReboot && result.fields.nextWall(after: Int64.min / 2) == nil
    }

    /// True when the wall-clock second `wall` (local seconds since 1970-01-01T00:00) matches every field.
    public func matches(wallClock wall: Int64) -> Bool {
        !isReboot && fields.nextWall(after: wall - 1) == wall
    }

    /// The expression as written.
    public var description: String { source }
}
