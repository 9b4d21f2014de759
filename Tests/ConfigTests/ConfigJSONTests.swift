@testable import Config
import Testing

/// A task's `config:` mapping becomes a JSON object for the plugin.
struct ConfigJSONTests {
    private func json(_ configLines: String) throws -> String {
        let yaml = "tasks:\n  - name: t\n    plugin: p\n    schedule: \"* * * * *\"\n    config:\n" + configLines
        return try #require(Fixture.taskDrafts(yaml).first?.config?.value)
    }

    @Test func scalarsKeepTheirYAMLTypes() throws {
        let lines = """
                  int: 1
                  negative: -2.5
                  hex: 0x10
                  flag: true
                  none: ~
                  empty:
                  quoted_number: "42"
                  word: yes

            """
        #expect(try json(lines)
            == #"{"int":1,"negative":-2.5,"hex":16,"flag":true,"none":null,"empty":null,"#
            + #""quoted_number":"42","word":"yes"}"#)
    }

    @Test func keysStayInFileOrder() throws {
        #expect(try json("      z: 1\n      a: 2\n      m: 3\n") == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func sequencesAndMappingsNest() throws {
        let lines = """
                  list: [1, "two", {three: 3}]
                  nested:
                    b:
                      c: []
                      d: {}

            """
        #expect(try json(lines) == #"{"list":[1,"two",{"three":3}],"nested":{"b":{"c":[],"d":{}}}}"#)
    }

    @Test func stringsAreEscapedForJSON() throws {
        let lines = #"      text: "quote \" backslash \\ tab \t newline \n ctrl \u0001 bell \a é""# + "\n"
        let expected = #"{"text":"quote \" backslash \\ tab \t newline \n ctrl \u0001 bell \u0007 é"}"#
        #expect(try json(lines) == expected)
    }

    @Test func nonStringKeysBecomeJSONStrings() throws {
        #expect(try json("      1: one\n      true: yes\n") == #"{"1":"one","true":"yes"}"#)
    }

    @Test func anAbsentOrEmptyConfigIsNoJSON() {
        let yaml = "tasks:\n  - name: t\n    plugin: p\n    schedule: \"* * * * *\"\n    config:\n"
        #expect(Fixture.taskDrafts(yaml).first?.config == nil)
    }

    @Test func jsonStringQuotingEscapesControlCharacters() {
        #expect(JSONWriter.quoted("a\u{1F}b\u{0C}\u{08}\r") == #""a\u001fb\f\b\r""#)
    }
}
