import Cron

/// Shared helpers: instants from RFC 3339 text and the next runs of an expression as RFC 3339 text.
enum CronTestSupport {
    /// The instant `text` names (the test fails loudly on a typo).
    static func instant(_ text: String) -> EpochSeconds {
        guard let value = CronFormat.parseRFC3339(text) else { fatalError("bad instant in test: \(text)") }
        return value
    }

    /// The next `count` fire instants of `expression` strictly after `from`, formatted in the zone.
    static func runs(
        _ expression: String, zone: String = "UTC", from: String, count: Int,
        dstGap: DSTGapPolicy = .coalesce, seed: String = ""
    ) throws -> [String] {
        let rules = try TimeZoneRules(identifier: zone)
        let schedule = CronSchedule(expression: try CronExpression.parse(expression, seed: seed), zone: rules, dstGap: dstGap)
        var result: [String] = []
        var cursor = instant(from)
        while result.count < count, let next = schedule.next(after: cursor) {
            result.append(CronFormat.rfc3339(next, in: rules))
            cursor = next
        }
        return result
    }
}
