import Cron
import Testing

/// One DST row: an expression in a zone, the next runs after an instant.
struct DSTCase: Sendable, CustomTestStringConvertible {
    var zone: String
    var expression: String
    var from: String
    var expected: [String]
    var dstGap: DSTGapPolicy = .coalesce
    var testDescription: String { "\(zone) \(expression) after \(from) (\(dstGap))" }
}

@Suite struct CronDSTTests {
    static let cases: [DSTCase] = [
        // Europe/Paris 2026: 02:00 → 03:00 on 29 March, 03:00 → 02:00 on 25 October.
        DSTCase(zone: "Europe/Paris", expression: "30 2 * * *", from: "2026-03-28T12:00:00+01:00",
            expected: ["2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]
                .dropFirst().map { $0 }),
        DSTCase(zone: "Europe/Paris", expression: "30 2 * * *", from: "2026-03-28T12:00:00+01:00",
            expected: ["2026-03-30T02:30:00+02:00"], dstGap: .skip),
        DSTCase(zone: "Europe/Paris", expression: "0,15,30 2 * * *", from: "2026-03-28T12:00:00+01:00",
            expected: ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]),
        DSTCase(zone: "Europe/Paris", expression: "0 30 2 * * *", from: "2026-03-28T12:00:00+01:00",
            expected: ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]),
        DSTCase(zone: "Europe/Paris", expression: "0 2,3 * * *", from: "2026-03-29T00:00:00+01:00",
            expected: ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]),
        DSTCase(zone: "Europe/Paris", expression: "30 2 * * *", from: "2026-10-24T12:00:00+02:00",
            expected: ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]),
        DSTCase(zone: "Europe/Paris", expression: "30 2 * * *", from: "2026-10-25T02:45:00+02:00",
            expected: ["2026-10-26T02:30:00+01:00"]),
        DSTCase(zone: "Europe/Paris", expression: "*/30 * * * *", from: "2026-03-29T01:00:00+01:00",
            expected: ["2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"]),
        DSTCase(zone: "Europe/Paris", expression: "*/30 * * * *", from: "2026-10-25T01:45:00+02:00",
            expected: ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
                "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00"]),
        DSTCase(zone: "Europe/Paris", expression: "@hourly", from: "2026-03-29T01:30:00+01:00",
            expected: ["2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"]),
        DSTCase(zone: "Europe/Paris", expression: "@hourly", from: "2026-10-25T01:30:00+02:00",
            expected: ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]),
        // America/New_York 2026: 8 March and 1 November.
        DSTCase(zone: "America/New_York", expression: "30 2 * * *", from: "2026-03-07T12:00:00-05:00",
            expected: ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]),
        DSTCase(zone: "America/New_York", expression: "30 1 * * *", from: "2026-10-31T12:00:00-04:00",
            expected: ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
        DSTCase(zone: "America/New_York", expression: "*/20 1 * * *", from: "2026-11-01T00:50:00-04:00",
            expected: ["2026-11-01T01:00:00-04:00", "2026-11-01T01:20:00-04:00", "2026-11-01T01:40:00-04:00",
                "2026-11-01T01:00:00-05:00", "2026-11-01T01:20:00-05:00", "2026-11-01T01:40:00-05:00",
                "2026-11-02T01:00:00-05:00"]),
        // Australia/Lord_Howe: 30-minute shifts. 5 April 02:00 → 01:30, 4 October 02:00 → 02:30.
        DSTCase(zone: "Australia/Lord_Howe", expression: "15 2 * * *", from: "2026-10-03T12:00:00+10:30",
            expected: ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]),
        DSTCase(zone: "Australia/Lord_Howe", expression: "15 2 * * *", from: "2026-10-03T12:00:00+10:30",
            expected: ["2026-10-05T02:15:00+11:00"], dstGap: .skip),
        DSTCase(zone: "Australia/Lord_Howe", expression: "45 1 * * *", from: "2026-04-04T12:00:00+11:00",
            expected: ["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]),
        DSTCase(zone: "Australia/Lord_Howe", expression: "*/15 1 * * *", from: "2026-04-05T01:20:00+11:00",
            expected: ["2026-04-05T01:30:00+11:00", "2026-04-05T01:45:00+11:00", "2026-04-05T01:30:00+10:30",
                "2026-04-05T01:45:00+10:30", "2026-04-06T01:00:00+10:30"]),
        // Pacific/Apia skipped 30 December 2011 entirely.
        DSTCase(zone: "Pacific/Apia", expression: "0 12 * * *", from: "2011-12-29T13:00:00-10:00",
            expected: ["2011-12-31T00:00:00+14:00", "2011-12-31T12:00:00+14:00"]),
        DSTCase(zone: "Pacific/Apia", expression: "0 12 30 12 *", from: "2011-12-01T00:00:00-10:00",
            expected: ["2011-12-31T00:00:00+14:00", "2012-12-30T12:00:00+14:00"]),
        DSTCase(zone: "Pacific/Apia", expression: "0 12 30 12 *", from: "2011-12-01T00:00:00-10:00",
            expected: ["2012-12-30T12:00:00+14:00"], dstGap: .skip),
        DSTCase(zone: "Pacific/Apia", expression: "0 * * * *", from: "2011-12-29T23:30:00-10:00",
            expected: ["2011-12-31T00:00:00+14:00", "2011-12-31T01:00:00+14:00"]),
        // America/Havana: transitions at midnight (8 March 00:00 → 01:00, 1 November 01:00 → 00:00).
        DSTCase(zone: "America/Havana", expression: "0 0 * * *", from: "2026-03-07T12:00:00-05:00",
            expected: ["2026-03-08T01:00:00-04:00", "2026-03-09T00:00:00-04:00"]),
        DSTCase(zone: "America/Havana", expression: "30 0 * * *", from: "2026-10-31T12:00:00-04:00",
            expected: ["2026-11-01T00:30:00-04:00", "2026-11-02T00:30:00-05:00"]),
        // America/Santiago: 4 April 24:00 → 23:00 (a repeated hour before midnight), 6 September 00:00 → 01:00.
        DSTCase(zone: "America/Santiago", expression: "30 23 * * *", from: "2026-04-04T12:00:00-03:00",
            expected: ["2026-04-04T23:30:00-03:00", "2026-04-05T23:30:00-04:00"]),
        DSTCase(zone: "America/Santiago", expression: "0 0 * * *", from: "2026-09-05T12:00:00-04:00",
            expected: ["2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"]),
        DSTCase(zone: "America/Santiago", expression: "0 0 * * *", from: "2026-09-05T12:00:00-04:00",
            expected: ["2026-09-07T00:00:00-03:00"], dstGap: .skip),
        // Pacific/Chatham: +12:45 / +13:45, changing at 02:45 local.
        DSTCase(zone: "Pacific/Chatham", expression: "0 3 * * *", from: "2026-09-26T12:00:00+12:45",
            expected: ["2026-09-27T03:45:00+13:45", "2026-09-28T03:00:00+13:45"]),
        DSTCase(zone: "Asia/Kathmandu", expression: "0 9 * * *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-01T09:00:00+05:45", "2026-01-02T09:00:00+05:45"]),
    ]

    @Test("DST tables", arguments: cases)
    func dst(_ row: DSTCase) throws {
        let runs = try CronTestSupport.runs(
            row.expression, zone: row.zone, from: row.from, count: row.expected.count, dstGap: row.dstGap)
        #expect(runs == row.expected)
    }

    @Test(arguments: ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "America/Havana",
        "America/Santiago", "Pacific/Chatham"])
    func previousMirrorsNext(_ zone: String) throws {
        let rules = try TimeZoneRules(identifier: zone)
        for text in ["30 2 * * *", "0 0 * * *", "*/20 * * * *", "45 1 * * *", "0 12 L * *"] {
            let schedule = CronSchedule(expression: try CronExpression.parse(text), zone: rules)
            var cursor = CronTestSupport.instant("2011-01-01T00:00:00Z")
            for _ in 0..<400 {
                guard let next = schedule.next(after: cursor) else { break }
                if let back = schedule.next(after: next - 1) { #expect(back == next) }
                #expect(schedule.previous(before: next + 1) == next, "\(zone) \(text) at \(next)")
                cursor = next + 86_400 * 3
            }
        }
    }
}
