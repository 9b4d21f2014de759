import Cron
import Testing

/// One row of a "these are the next runs" table.
struct RunCase: Sendable, CustomTestStringConvertible {
    var expression: String
    var from: String
    var expected: [String]
    var testDescription: String { "\(expression) after \(from)" }
}

@Suite struct CronSyntaxTests {
    static let utcCases: [RunCase] = [
        RunCase(expression: "*/15 * * * *", from: "2026-01-01T00:07:00Z",
            expected: ["2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00", "2026-01-01T00:45:00+00:00"]),
        RunCase(expression: "  0   12 * * *  ", from: "2026-01-01T12:00:00Z",
            expected: ["2026-01-02T12:00:00+00:00", "2026-01-03T12:00:00+00:00"]),
        RunCase(expression: "10-50/20 9 * * *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-01T09:10:00+00:00", "2026-01-01T09:30:00+00:00", "2026-01-01T09:50:00+00:00",
                "2026-01-02T09:10:00+00:00"]),
        RunCase(expression: "0 9 * * MON-FRI", from: "2026-01-02T10:00:00Z",
            expected: ["2026-01-05T09:00:00+00:00", "2026-01-06T09:00:00+00:00"]),
        RunCase(expression: "0 9 * * mon,wed", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-05T09:00:00+00:00", "2026-01-07T09:00:00+00:00"]),
        RunCase(expression: "0 0 * * 7", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"]),
        RunCase(expression: "0 0 * * 5-7", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00",
                "2026-01-09T00:00:00+00:00"]),
        RunCase(expression: "0 0 1 jan,Jul *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-07-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"]),
        // Both day fields restricted: either matches (Vixie). The 13th or any Friday.
        RunCase(expression: "0 0 13 * FRI", from: "2026-02-01T00:00:00Z",
            expected: ["2026-02-06T00:00:00+00:00", "2026-02-13T00:00:00+00:00", "2026-02-20T00:00:00+00:00"]),
        // `+` on day-of-week: both must match. Friday the 13th.
        RunCase(expression: "0 0 13 * +FRI", from: "2026-01-01T00:00:00Z",
            expected: ["2026-02-13T00:00:00+00:00", "2026-03-13T00:00:00+00:00", "2026-11-13T00:00:00+00:00"]),
        // A day field starting with `*` counts as unrestricted, so the two AND: odd days that are Mondays.
        RunCase(expression: "0 0 */2 * MON", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-05T00:00:00+00:00", "2026-01-19T00:00:00+00:00", "2026-02-09T00:00:00+00:00"]),
        RunCase(expression: "0 0 ? * MON", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00"]),
        RunCase(expression: "30 */20 * * * *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-01T00:00:30+00:00", "2026-01-01T00:20:30+00:00", "2026-01-01T00:40:30+00:00"]),
        RunCase(expression: "*/10 * * * * *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-01T00:00:10+00:00", "2026-01-01T00:00:20+00:00"]),
        RunCase(expression: "0 0 12 1 1 * 2027,2030", from: "2026-01-01T00:00:00Z",
            expected: ["2027-01-01T12:00:00+00:00", "2030-01-01T12:00:00+00:00"]),
        RunCase(expression: "0 0 0 29 2 * 2100-2199", from: "2026-01-01T00:00:00Z",
            expected: ["2104-02-29T00:00:00+00:00", "2108-02-29T00:00:00+00:00"]),
        RunCase(expression: "0 0 29 2 *", from: "2026-01-01T00:00:00Z",
            expected: ["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"]),
        RunCase(expression: "59 23 31 12 *", from: "2026-12-31T23:59:00Z",
            expected: ["2027-12-31T23:59:00+00:00"]),
        RunCase(expression: "0 0 31 * *", from: "2026-01-31T00:00:00Z",
            expected: ["2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00"]),
        RunCase(expression: "@hourly", from: "2026-01-01T00:30:00Z",
            expected: ["2026-01-01T01:00:00+00:00", "2026-01-01T02:00:00+00:00"]),
        RunCase(expression: "@daily", from: "2026-01-01T00:00:00Z", expected: ["2026-01-02T00:00:00+00:00"]),
        RunCase(expression: "@midnight", from: "2026-01-01T00:00:00Z", expected: ["2026-01-02T00:00:00+00:00"]),
        RunCase(expression: "@weekly", from: "2026-01-01T00:00:00Z", expected: ["2026-01-04T00:00:00+00:00"]),
        RunCase(expression: "@monthly", from: "2026-01-15T00:00:00Z", expected: ["2026-02-01T00:00:00+00:00"]),
        RunCase(expression: "@yearly", from: "2026-01-15T00:00:00Z", expected: ["2027-01-01T00:00:00+00:00"]),
        RunCase(expression: "@annually", from: "2026-01-15T00:00:00Z", expected: ["2027-01-01T00:00:00+00:00"]),
        // Past the last year nothing fires.
        RunCase(expression: "0 0 1 1 *", from: "2199-01-01T00:00:00Z", expected: []),
    ]

    @Test("next runs in UTC", arguments: utcCases)
    func nextRunsInUTC(_ row: RunCase) throws {
        #expect(try CronTestSupport.runs(row.expression, from: row.from, count: row.expected.count + 0) == row.expected)
        if row.expected.isEmpty {
            #expect(try CronTestSupport.runs(row.expression, from: row.from, count: 1).isEmpty)
        }
    }

    @Test func rebootNeverFiresOnASchedule() throws {
        let expression = try CronExpression.parse("@reboot")
        #expect(expression.isReboot)
        #expect(!expression.neverFires)
        #expect(CronSchedule(expression: expression, zone: .utc).next(after: 0) == nil)
    }

    @Test(arguments: ["0 0 31 2 *", "0 0 30 2 *", "0 0 0 31 4 * *", "0 0 0 1 1 * 2020-2021" as String])
    func impossibleSchedulesParseButNeverFire(_ text: String) throws {
        let expression = try CronExpression.parse(text)
        #expect(expression.neverFires || text.hasSuffix("2020-2021"))
        #expect(CronSchedule(expression: expression, zone: .utc).next(after: CronTestSupport.instant("2026-01-01T00:00:00Z")) == nil)
    }

    @Test func possibleSchedulesAreNotNeverFires() throws {
        #expect(try !CronExpression.parse("0 0 29 2 *").neverFires)
        #expect(try !CronExpression.parse("* * * * *").neverFires)
    }

    @Test(arguments: [
        ("30 2 * * *", true), ("0 0 * * *", true), ("@daily", true), ("@hourly", false), ("*/5 * * * *", false),
        ("0 */2 * * *", false), ("0,30 1-3 * * *", true), ("0 30 2 * * *", true), ("* 30 2 * * *", true),
    ] as [(String, Bool)])
    func fixedTimeFollowsTheMinuteAndHourText(_ text: String, _ fixed: Bool) throws {
        #expect(try CronExpression.parse(text).isFixedTime == fixed)
    }

    @Test func sourceIsKeptAsWritten() throws {
        #expect(try CronExpression.parse("  */5 * * * *").source == "  */5 * * * *")
        #expect(try CronExpression.parse("@daily").description == "@daily")
    }

    @Test func matchesWallClock() throws {
        let expression = try CronExpression.parse("30 2 * * *")
        #expect(expression.matches(wallClock: CronTestSupport.instant("2026-03-29T02:30:00Z")))
        #expect(!expression.matches(wallClock: CronTestSupport.instant("2026-03-29T02:31:00Z")))
    }
}
