import Config
import Testing

/// `${VAR}`, `${VAR:-default}` and `$${` in scalar values.
struct EnvironmentExpansionTests {
    @Test func anUnsetVariableWithoutDefaultIsAnErrorAtItsDollarSign() {
        #expect(Fixture.rendered("timezone: ${TZ_NAME}\n") == [
            "config.yaml:1:11: error: environment variable \"TZ_NAME\" is not set; set it, or give a default "
                + "with ${TZ_NAME:-default}",
        ])
    }

    @Test func theErrorColumnCountsTheQuoteAndTheTextBeforeTheVariable() {
        let found = Fixture.diagnostics("state:\n  database: \"/data/${DB}/x.sqlite\"\n")
        #expect(found.map(\.location.description) == ["config.yaml:2:20"])
    }

    @Test func aSetVariableIsExpandedInsideAValue() throws {
        let config = try #require(Fixture.config(
            "state:\n  database: \"${ROOT}/db.sqlite\"\n", environment: ["ROOT": "/srv/hk"]))
        #expect(config.stateDatabase == "/srv/hk/db.sqlite")
    }

    @Test(arguments: [
        ([String: String](), "/opt/hk/plugins"),
        (["PLUGIN_DIR": ""], "/opt/hk/plugins"),
        (["PLUGIN_DIR": "/usr/lib/hk"], "/usr/lib/hk"),
    ])
    func theDefaultIsUsedWhenTheVariableIsUnsetOrEmpty(environment: [String: String], expected: String) throws {
        let yaml = "plugins:\n  directory: ${PLUGIN_DIR:-/opt/hk/plugins}\n"
        let config = try #require(Fixture.config(yaml, environment: environment))
        #expect(config.pluginsDirectory == expected)
    }

    /// A `$` written by an escape is expanded like a typed one: the walk is skipped only for text with neither a
    /// `$` nor a backslash.
    @Test func aDollarWrittenByAnEscapeIsExpandedToo() throws {
        let config = try #require(Fixture.config(
            "state:\n  database: \"\\x24{ROOT}/db.sqlite\"\n", environment: ["ROOT": "/srv/hk"]))
        #expect(config.stateDatabase == "/srv/hk/db.sqlite")
        #expect(Fixture.rendered("timezone: \"\\x24{TZ_NAME}\"\n").first?.contains("\"TZ_NAME\" is not set") == true)
    }

    @Test func aDoubledDollarWritesALiteralDollarBrace() throws {
        let config = try #require(Fixture.config("api:\n  token: \"a$${b}c$d\"\n"))
        #expect(config.api.token == "a${b}c$d")
    }

    @Test func plainValuesAreTypedAfterExpansion() throws {
        let config = try #require(Fixture.config("limits:\n  max_running: ${MAX:-8}\n"))
        #expect(config.maxRunning == 8)
    }

    @Test func keysAreNeverExpanded() {
        #expect(Fixture.diagnostics("${KEY}: 1\n").first?.message.hasPrefix("unknown key \"${KEY}\"") == true)
    }

    @Test func anUnterminatedReferenceIsAnError() {
        #expect(Fixture.rendered("timezone: \"x${TZ\"\n") == [
            "config.yaml:1:13: error: unterminated ${ in a value; close it with } or write $${ for a literal ${",
        ])
    }

    @Test func anInvalidVariableNameIsAnError() {
        let found = Fixture.diagnostics("timezone: ${1TZ}\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("invalid environment variable name \"1TZ\"") == true)
    }

    @Test func onlyTheValuesWithAVariableChangeDeepInsideListsAndMappings() throws {
        let yaml = """
            tasks:
              - {name: a, plugin: p, schedule: "0 3 * * *", after: [b], config: {path: "${ROOT}/a", keep: 5}}
              - {name: b, plugin: p, schedule: "0 4 * * *", config: {path: /fixed/$HOME/b}}
            """
        let config = try #require(Fixture.config(yaml, environment: ["ROOT": "/srv"]))
        #expect(config.tasks.map(\.configJSON) == [#"{"path":"/srv/a","keep":5}"#, #"{"path":"/fixed/$HOME/b"}"#])
        #expect(config.tasks.map(\.after) == [["b"], []])
    }
}
