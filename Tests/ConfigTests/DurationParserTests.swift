@testable import Config
import Testing

/// The duration syntax: whole numbers with units from largest to smallest, or plain seconds.
struct DurationParserTests {
    @Test(arguments: [
        ("30s", Duration.seconds(30)), ("5m", .seconds(300)), ("1h30m", .seconds(5_400)), ("7d", .seconds(604_800)),
        ("250ms", .milliseconds(250)), ("1d12h", .seconds(129_600)), ("90", .seconds(90)), ("0", .zero),
        ("1m30s500ms", .milliseconds(90_500)), ("2h0m", .seconds(7_200)),
    ])
    func validDurationsParse(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["", "5x", "1.5h", "30m1h", "1h1h", "h", "-5", "1h 30m", "5 m", "ms", "1H", "99999999999999d"])
    func invalidDurationsAreRejected(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func aPlainIntegerInYAMLMeansSeconds() throws {
        let config = try #require(Fixture.config("shutdown:\n  grace_period: 45\n"))
        #expect(config.shutdownGracePeriod == .seconds(45))
    }
}
