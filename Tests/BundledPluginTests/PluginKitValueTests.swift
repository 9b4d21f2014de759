import HousekeeperPlugin
import Testing

/// The kit's shared value parsers: durations, sizes, lists, globs and run placeholders.
@Suite struct PluginKitValueTests {
    @Test(arguments: [
        ("30", 30.0), ("1.5s", 1.5), ("500ms", 0.5), ("15m", 900), ("2h", 7200), ("7d", 604_800), ("2w", 1_209_600),
        ("1h30m", 5400), ("1d 12h", 129_600), ("1_000s", 1000),
    ])
    func durationsParse(text: String, seconds: Double) {
        #expect(ConfigUnits.seconds(parsing: text) == seconds)
    }

    @Test(arguments: ["", "30 days", "h", "5x", "-3s", "1.2.3s", "s5"])
    func malformedDurationsAreRefused(text: String) {
        #expect(ConfigUnits.seconds(parsing: text) == nil)
    }

    @Test(arguments: [
        ("4096", Int64(4096)), ("250B", 250), ("64KiB", 65_536), ("512MiB", 536_870_912), ("10GB", 10_000_000_000),
        ("1.5kb", 1500), ("2TiB", 2_199_023_255_552),
    ])
    func sizesParse(text: String, bytes: Int64) {
        #expect(ConfigUnits.bytes(parsing: text) == bytes)
    }

    @Test(arguments: ["", "MiB", "12 parsecs", "-1KB", "1e30TB"])
    func malformedSizesAreRefused(text: String) {
        #expect(ConfigUnits.bytes(parsing: text) == nil)
    }

    @Test func listsAndMapsAcceptTheirShortForms() throws {
        let config = try PluginConfig(json: #"{"one": "a", "many": ["a", "b"], "codes": 3, "env": {"A": 1, "B": true}}"#)
        #expect(try config.stringList("one") == ["a"])
        #expect(try config.stringList("many") == ["a", "b"])
        #expect(try config.intList("codes") == [3])
        #expect(try config.stringMap("env") == ["A": "1", "B": "true"])
        #expect(try config.stringList("absent") == nil)
        #expect(throws: PluginError.config(key: "env", "must be a string or a list of strings, not an object")) {
            try config.stringList("env")
        }
    }

    @Test func globsMatchNamesOrRelativePathsAndSkipHiddenFiles() throws {
        let logs = try GlobPattern("*.log")
        #expect(logs.matches(name: "app.log", relativePath: "2026/app.log"))
        #expect(!logs.matches(name: ".app.log", relativePath: ".app.log"))
        #expect(!logs.matches(name: "app.log.1", relativePath: "app.log.1"))
        let nested = try GlobPattern("2026/*.log")
        #expect(nested.matches(name: "app.log", relativePath: "2026/app.log"))
        #expect(!nested.matches(name: "app.log", relativePath: "2026/01/app.log"))
        #expect(try GlobPattern("app-[0-9].log").matches(name: "app-7.log", relativePath: "app-7.log"))
    }

    @Test func placeholdersDescribeTheTriggeringRunWhenThereIsOne() throws {
        let values = RunPlaceholders(values: ["task": "backup", "error": "disk \"full\"", "this_task": "alert"])
        #expect(try values.expand("${this_task}: ${task} failed: ${error}", key: "body")
            == #"alert: backup failed: disk "full""#)
        #expect(try values.expand("literal $${task} and ${task}", key: "body") == "literal ${task} and backup")
        #expect(try values.expand("${error}", key: "url") { $0.uppercased() } == #"DISK "FULL""#)
        #expect(throws: PluginError.config(key: "body", "unclosed ${ (write $${ for a literal ${)")) {
            try values.expand("${task", key: "body")
        }
        #expect(throws: PluginError.self) { try RunPlaceholders.validate("${host}", key: "url") }
    }

    @Test func timestampsAreRFC3339InUTC() {
        #expect(Timestamp.rfc3339(microseconds: 1_795_437_000_999_999) == "2026-11-23T12:30:00Z")
        #expect(Timestamp.rfc3339(microseconds: -1) == "1969-12-31T23:59:59Z")
        #expect(Timestamp.rfc3339(microseconds: 0) == "1970-01-01T00:00:00Z")
    }
}
