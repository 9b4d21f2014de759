import Cron
import Testing

@Suite struct CronDialectTests {
    static let cases: [RunCase] = [
        RunCase(expression: "0 0 L * *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00", "2026-03-31T00:00:00+00:00"]),
        RunCase(expression: "0 0 L 2 *", from: "2027-03-01T00:00:00Z",
            expected: ["2028-02-29T00:00:00+00:00", "2029-02-28T00:00:00+00:00"]),
        RunCase(expression: "0 0 L-2 * *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-29T00:00:00+00:00", "2026-02-26T00:00:00+00:00"]),
        // 2026-02-15 is a Sunday → Monday 16th; 2026-03-15 a Sunday → 16th; 2026-08-15 a Saturday → Friday 14th.
        RunCase(expression: "0 0 15W * *", from: "2026-02-01T00:00:00Z",
            expected: ["2026-02-16T00:00:00+00:00", "2026-03-16T00:00:00+00:00", "2026-04-15T00:00:00+00:00"]),
        RunCase(expression: "0 0 15W 8 *", from: "2026-01-01T00:00:00Z", expected: ["2026-08-14T00:00:00+00:00"]),
        // Never crossing the month: 1 August 2026 is a Saturday → Monday 3rd; 31 May 2026 a Sunday → Friday 29th.
        RunCase(expression: "0 0 1W 8 *", from: "2026-01-01T00:00:00Z", expected: ["2026-08-03T00:00:00+00:00"]),
        RunCase(expression: "0 0 31W 5 *", from: "2026-01-01T00:00:00Z", expected: ["2026-05-29T00:00:00+00:00"]),
        // 31W in a 30-day month yields nothing.
        RunCase(expression: "0 0 31W 4 *", from: "2026-01-01T00:00:00Z", expected: []),
        // Last weekday: January 2026 ends on Saturday 31st → Friday 30th; May 2026 on Sunday 31st → Friday 29th.
        RunCase(expression: "0 0 LW * *", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00", "2026-03-31T00:00:00+00:00"]),
        RunCase(expression: "0 0 * * 5L", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00"]),
        RunCase(expression: "0 0 * * FRI#L", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00"]),
        RunCase(expression: "0 0 * * 7L", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-25T00:00:00+00:00", "2026-02-22T00:00:00+00:00"]),
        RunCase(expression: "0 0 * * 1#2", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-12T00:00:00+00:00", "2026-02-09T00:00:00+00:00"]),
        // A fifth Thursday exists in January and April 2026, not in February or March.
        RunCase(expression: "0 0 * * THU#5", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-29T00:00:00+00:00", "2026-04-30T00:00:00+00:00", "2026-07-30T00:00:00+00:00"]),
        RunCase(expression: "0 0 * * 1#1,5L", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-05T00:00:00+00:00", "2026-01-30T00:00:00+00:00", "2026-02-02T00:00:00+00:00"]),
        // L with OR and AND against day-of-week.
        RunCase(expression: "0 0 L * MON", from: "2026-01-20T00:00:00Z",
            expected: ["2026-01-26T00:00:00+00:00", "2026-01-31T00:00:00+00:00", "2026-02-02T00:00:00+00:00"]),
        RunCase(expression: "0 0 L * +SAT", from: "2026-01-01T00:00:00Z",
            expected: ["2026-01-31T00:00:00+00:00", "2026-02-28T00:00:00+00:00", "2026-10-31T00:00:00+00:00"]),
        RunCase(expression: "0 12 1 * +MON", from: "2026-01-01T00:00:00Z",
            expected: ["2026-06-01T12:00:00+00:00", "2027-02-01T12:00:00+00:00"]),
        RunCase(expression: "0 0 ? * 1#1", from: "2026-01-01T00:00:00Z", expected: ["2026-01-05T00:00:00+00:00"]),
        RunCase(expression: "0 0 0 L 2 ? 2100", from: "2026-01-01T00:00:00Z", expected: ["2100-02-28T00:00:00+00:00"]),
    ]

    @Test("L, W, # and + runs", arguments: cases)
    func dialectRuns(_ row: RunCase) throws {
        #expect(try CronTestSupport.runs(row.expression, from: row.from, count: max(row.expected.count, 1)) == row.expected)
    }

    @Test func fifthWeekdayMissingYieldsNothingThatMonth() throws {
        let runs = try CronTestSupport.runs("0 0 * 2 MON#5", from: "2026-01-01T00:00:00Z", count: 2)
        // February has a fifth Monday only when it has 29 days and starts on a Monday: 2044 and 2072.
        #expect(runs == ["2044-02-29T00:00:00+00:00", "2072-02-29T00:00:00+00:00"])
    }

    @Test func hashIsStableForASeed() throws {
        let first = try CronExpression.parse("H H(2-3) * * *", seed: "nightly-vacuum")
        let again = try CronExpression.parse("H H(2-3) * * *", seed: "nightly-vacuum")
        #expect(first == again)
        let schedule = CronSchedule(expression: first, zone: .utc)
        let next = try #require(schedule.next(after: CronTestSupport.instant("2026-01-01T00:00:00Z")))
        let wall = next % 86_400
        #expect((2 * 3600)..<(4 * 3600) ~= wall)
        #expect(wall % 60 == 0)
        #expect(schedule.next(after: next) == next + 86_400)
    }

    @Test func hashSpreadsSeeds() throws {
        var minutes = Set<Int64>()
        for index in 0..<50 {
            let expression = try CronExpression.parse("H * * * *", seed: "task-\(index)")
            let next = try #require(CronSchedule(expression: expression, zone: .utc).next(after: 0))
            minutes.insert(next / 60 % 60)
        }
        #expect(minutes.count > 20)
    }

    @Test func hashStepsKeepTheirSpacing() throws {
        let runs = try CronTestSupport.runs("H/15 * * * *", from: "2026-01-01T00:00:00Z", count: 5, seed: "x")
        let minutes = runs.map { Int($0.dropFirst(14).prefix(2))! }
        #expect(minutes[0] < 15)
        #expect(zip(minutes, minutes.dropFirst()).allSatisfy { ($1 - $0 + 60) % 60 == 15 })
    }

    @Test func hashRangeWithStepStaysInRange() throws {
        let runs = try CronTestSupport.runs("H(10-40)/10 3 * * *", from: "2026-01-01T00:00:00Z", count: 4, seed: "y")
        let minutes = runs.prefix(3).map { Int($0.dropFirst(14).prefix(2))! }
        #expect(minutes.allSatisfy { (10...40).contains($0) })
        #expect(minutes[1] - minutes[0] == 10)
    }

    @Test func hashInDayOfMonthStaysWithin28() throws {
        for index in 0..<40 {
            let runs = try CronTestSupport.runs("0 0 H * *", from: "2026-01-01T00:00:00Z", count: 1, seed: "s\(index)")
            #expect(Int(runs[0].dropFirst(8).prefix(2))! <= 28)
        }
    }
}
