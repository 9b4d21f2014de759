import Config
import Testing

/// Syntax mistakes people make most often get a specific hint.
struct CommonMistakeTests {
    @Test func anUnquotedCronExpressionIsExplained() throws {
        let yaml = "tasks:\n  - name: t\n    plugin: p\n    schedule: * * * * *\n"
        let diagnostic = try #require(Fixture.single(yaml))
        #expect(diagnostic.location.line == 4)
        #expect(diagnostic.message.hasSuffix("a value that starts with * must be quoted, e.g. schedule: \"* * * * *\""))
    }

    @Test func anUnquotedNicknameIsExplained() throws {
        let diagnostic = try #require(Fixture.single("tasks:\n  - name: t\n    plugin: p\n    schedule: @daily\n"))
        #expect(diagnostic.location.description == "config.yaml:4:15")
        #expect(diagnostic.message.hasSuffix("a value that starts with @ must be quoted, e.g. schedule: \"@daily\""))
    }

    @Test func aTabInIndentationIsASyntaxErrorAtTheTab() throws {
        let diagnostic = try #require(Fixture.single("limits:\n\tmax_running: 2\n"))
        #expect(diagnostic.location.description == "config.yaml:2:1")
        #expect(diagnostic.message.hasPrefix("YAML syntax error: found character that cannot start any token"))
    }

    @Test func aSecondDocumentIsRefused() {
        #expect(Fixture.rendered("timezone: UTC\n---\ntimezone: UTC\n") == [
            "config.yaml:2:1: error: the file holds more than one YAML document; keep a single document "
                + "(remove the `---` line)",
        ])
    }

    @Test func aTopLevelThatIsNotAMappingIsAnError() {
        #expect(Fixture.rendered("- a\n- b\n") == [
            "config.yaml:1:1: error: expected a mapping of keys at the top level, found a sequence",
        ])
    }
}

/// Cross-key rules within one mapping.
struct ExclusiveKeyTests {
    @Test func onlyOneWayToGiveTheAPITokenMayBeSet() {
        #expect(Fixture.rendered("api:\n  token_env: HK\n  token: abc\n  token_file: t\n") == [
            "config.yaml:3:3: error: \"token\" in section \"api\" conflicts with \"token_env\" on line 2; set only "
                + "one of \"token\", \"token_file\", \"token_env\"",
            "config.yaml:4:3: error: \"token_file\" in section \"api\" conflicts with \"token_env\" on line 2; set "
                + "only one of \"token\", \"token_file\", \"token_env\"",
        ])
    }
}
