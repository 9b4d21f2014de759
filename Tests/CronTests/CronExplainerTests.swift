import Cron
import Testing

@Suite struct CronExplainerTests {
    @Test(arguments: [
        ("30 2 * * *", "At 02:30 every day"),
        ("0 9 * * MON-FRI", "At 09:00 on Monday through Friday"),
        ("*/15 * * * *", "Every 15 minutes every day"),
        ("* * * * *", "Every minute every day"),
        ("0 * * * *", "At minute 0 of every hour every day"),
        ("*/10 9-17 * * *", "Every 10 minutes, hour 9-17 every day"),
        ("0 0 L * *", "At 00:00 on the last day of the month"),
        ("0 0 * * 5L", "At 00:00 on the last Friday of the month"),
        ("0 0 * * 1#2", "At 00:00 on the second Monday of the month"),
        ("0 0 15W * *", "At 00:00 on the weekday nearest day 15 of the month"),
        ("0 12 1 * +MON", "At 12:00 on day 1 of the month if it is also Monday"),
        ("0 0 1 1 *", "At 00:00 on day 1 of the month in January"),
        ("@reboot", "Once when the daemon starts (@reboot), never on a schedule"),
    ] as [(String, String)])
    func describesInWords(_ text: String, _ words: String) throws {
        #expect(CronExplainer.describe(try CronExpression.parse(text)) == words)
    }

    @Test func reportListsRunsAndTransitions() throws {
        let zone = try TimeZoneRules(identifier: "Europe/Paris")
        let schedule = CronSchedule(expression: try CronExpression.parse("30 2 * * *"), zone: zone)
        let report = CronExplainer.report(schedule, year: 2026, from: CronTestSupport.instant("2026-03-28T00:00:00Z"), runs: 2)
        #expect(report.contains("At 02:30 every day."))
        #expect(report.contains("  2026-03-28T02:30:00+01:00\n  2026-03-29T03:00:00+02:00\n"))
        #expect(report.contains("2026-03-29T01:59:59+01:00 -> 2026-03-29T03:00:00+02:00 (clocks go forward 1h)"))
        #expect(report.contains("its run at 02:30 moves to 2026-03-29T03:00:00+02:00."))
        #expect(report.contains("(clocks go back 1h)"))
        #expect(report.contains("its run at 02:30 happens once, in the first pass (UTC+02:00)."))
    }

    @Test func reportForRealTimeJobsAndImpossibleOnes() throws {
        let zone = try TimeZoneRules(identifier: "America/New_York")
        let hourly = CronSchedule(expression: try CronExpression.parse("0 * * * *"), zone: zone)
        let report = CronExplainer.report(hourly, year: 2026, from: 0, runs: 1)
        #expect(report.contains("its run at 02:00 does not happen (no catch-up)"))
        #expect(report.contains("its run at 01:00 happens in both passes (2 runs)"))
        let never = CronSchedule(expression: try CronExpression.parse("0 0 31 2 *"), zone: zone)
        #expect(CronExplainer.report(never, year: 2026, from: 0, runs: 3).contains("never fires"))
    }
}
