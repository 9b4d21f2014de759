import Cron
import Testing

@Suite struct CronFormatTests {
    @Test(arguments: [
        ("2026-03-29T01:00:00Z", "Europe/Paris", "2026-03-29T03:00:00+02:00"),
        ("2026-01-01T00:00:00Z", "UTC", "2026-01-01T00:00:00+00:00"),
        ("2026-01-01T00:00:00Z", "America/New_York", "2025-12-31T19:00:00-05:00"),
        ("2026-01-01T00:00:00Z", "Asia/Kathmandu", "2026-01-01T05:45:00+05:45"),
        ("2026-01-01T00:00:00Z", "Pacific/Chatham", "2026-01-01T13:45:00+13:45"),
        ("1969-12-31T23:59:59Z", "UTC", "1969-12-31T23:59:59+00:00"),
        ("2199-12-31T23:59:59Z", "UTC", "2199-12-31T23:59:59+00:00"),
    ] as [(String, String, String)])
    func formatsWithTheZoneOffset(_ utc: String, _ zone: String, _ expected: String) throws {
        #expect(CronFormat.rfc3339(CronTestSupport.instant(utc), in: try TimeZoneRules(identifier: zone)) == expected)
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0), ("1970-01-01T01:00:00+01:00", 0), ("1970-01-01T00:00:00-00:30", 1800),
        ("2026-03-29T03:00:00+02:00", 1_774_746_000), ("2026-03-29t01:00:00z", 1_774_746_000),
        ("2026-03-29 01:00:00.999Z", 1_774_746_000), ("1969-12-31T23:59:59Z", -1),
        ("2024-02-29T12:00:00Z", 1_709_208_000),
    ] as [(String, Int64)])
    func parsesRFC3339(_ text: String, _ expected: Int64) {
        #expect(CronFormat.parseRFC3339(text) == expected)
    }

    @Test(arguments: [
        "", "2026-03-29", "2026-03-29T03:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-03-29T24:00:00Z", "2026-03-29T03:00:00+2:00", "2026-03-29T03:00:00Zjunk", "2026-03-29T03:00:00.Z",
        "26-03-29T03:00:00Z",
    ])
    func rejectsWhatIsNotRFC3339(_ text: String) {
        #expect(CronFormat.parseRFC3339(text) == nil)
    }

    @Test func formatAndParseRoundTrip() throws {
        let zone = try TimeZoneRules(identifier: "Australia/Lord_Howe")
        var instant = CronTestSupport.instant("2026-01-01T00:00:00Z")
        for _ in 0..<2000 {
            #expect(CronFormat.parseRFC3339(CronFormat.rfc3339(instant, in: zone)) == instant)
            instant += 15_013
        }
    }
}
