import Cron
import Testing

@Suite struct TimeZoneRulesTests {
    @Test func unknownZonesAreErrors() {
        #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: "Mars/Olympus_Mons") }
        #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: "../etc/passwd") }
        #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: "") }
        #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: "Europe/Paris", zoneinfo: "/nonexistent", localtime: "/nonexistent") }
    }

    @Test func localReadsTheInjectedLocaltime() throws {
        let zone = try TimeZoneRules(identifier: "local", zoneinfo: "/usr/share/zoneinfo", localtime: "/usr/share/zoneinfo/Asia/Kathmandu")
        #expect(zone.offset(at: 1_800_000_000) == 20_700)
    }

    @Test func utcHasNoTransitions() throws {
        #expect(TimeZoneRules.utc.offset(at: 0) == 0)
        #expect(TimeZoneRules.utc.transitions(inYear: 2026).isEmpty)
        #expect(try TimeZoneRules(identifier: "UTC") == .utc)
    }

    @Test(arguments: [
        ("Europe/Paris", 2026, ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"]),
        ("America/New_York", 2026, ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"]),
        ("Australia/Lord_Howe", 2026, ["2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z"]),
        ("Pacific/Apia", 2011, ["2011-04-02T14:00:00Z", "2011-09-24T14:00:00Z", "2011-12-30T10:00:00Z"]),
        // Past the end of the file's table the POSIX footer rule takes over.
        ("Europe/Paris", 2150, ["2150-03-29T01:00:00Z", "2150-10-25T01:00:00Z"]),
        ("America/Santiago", 2026, ["2026-04-05T03:00:00Z", "2026-09-06T04:00:00Z"]),
        ("Asia/Kathmandu", 2026, []),
        // Footer rules: 30-minute DST, times of 24:00, midnight changes, negative DST (Dublin), no DST (Casablanca).
        ("Australia/Lord_Howe", 2150, ["2150-04-04T15:00:00Z", "2150-10-03T15:30:00Z"]),
        ("America/Santiago", 2150, ["2150-04-05T03:00:00Z", "2150-09-06T04:00:00Z"]),
        ("America/Havana", 2150, ["2150-03-08T05:00:00Z", "2150-11-01T05:00:00Z"]),
        ("Europe/Dublin", 2150, ["2150-03-29T01:00:00Z", "2150-10-25T01:00:00Z"]),
        ("Pacific/Chatham", 2150, ["2150-04-04T14:00:00Z", "2150-09-26T14:00:00Z"]),
        ("America/New_York", 2199, ["2199-03-10T07:00:00Z", "2199-11-03T06:00:00Z"]),
        ("Africa/Casablanca", 2150, []),
    ] as [(String, Int, [String])])
    func transitionsOfAYear(_ zone: String, _ year: Int, _ expected: [String]) throws {
        let rules = try TimeZoneRules(identifier: zone)
        #expect(rules.transitions(inYear: year).map(\.instant) == expected.map(CronTestSupport.instant))
    }

    @Test func transitionsCarryOffsets() throws {
        let paris = try TimeZoneRules(identifier: "Europe/Paris").transitions(inYear: 2026)
        #expect(paris.map(\.offsetBefore) == [3600, 7200])
        #expect(paris.map(\.offsetAfter) == [7200, 3600])
        #expect(paris.map(\.isGap) == [true, false])
        #expect(paris.map(\.isDaylightSaving) == [true, false])
    }

    @Test(arguments: [
        ("Europe/Paris", "2026-07-01T00:00:00Z", 7200), ("Europe/Paris", "2026-01-01T00:00:00Z", 3600),
        ("Australia/Lord_Howe", "2026-07-01T00:00:00Z", 37_800), ("Australia/Lord_Howe", "2026-01-01T00:00:00Z", 39_600),
        ("Pacific/Chatham", "2026-01-01T00:00:00Z", 49_500), ("America/New_York", "1970-01-01T00:00:00Z", -18_000),
        ("America/New_York", "2199-07-01T00:00:00Z", -14_400), ("Europe/Paris", "1900-01-01T00:00:00Z", 561),
    ] as [(String, String, Int32)])
    func offsets(_ zone: String, _ at: String, _ expected: Int32) throws {
        #expect(try TimeZoneRules(identifier: zone).offset(at: CronTestSupport.instant(at)) == expected)
    }
}
