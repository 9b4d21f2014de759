import HousekeeperPlugin
import Testing

/// The Swift plugin kit's config access and JSON handling.
@Suite struct PluginKitTests {
    @Test func configGivesTypedValuesAndNamesTheKeyOnMismatch() throws {
        let config = try PluginConfig(json: #"{"file": "/x", "n": 3, "on": true, "ratio": 0.5, "gone": null}"#)
        #expect(try config.requiredString("file") == "/x")
        #expect(try config.int("n") == 3)
        #expect(try config.bool("on") == true)
        #expect(try config.double("ratio") == 0.5)
        #expect(try config.string("gone") == nil)
        #expect(throws: PluginError(.config, "file: must be a number, not a string")) { try config.double("file") }
        #expect(throws: PluginError(.config, "ratio: must be a whole number, not 0.5")) { try config.int("ratio") }
        #expect(throws: PluginError(.config, "missing: required key is missing")) { try config.requiredString("missing") }
    }

    @Test func unknownKeysAreRefusedByName() throws {
        let config = try PluginConfig(json: #"{"file": "/x", "colour": "red"}"#)
        #expect(throws: PluginError(.config, "colour: unknown key (known: file, message)")) {
            try config.allowOnly(["file", "message"])
        }
    }

    @Test func aConfigMustBeAnObject() {
        #expect(throws: PluginError(.config, "config: must be a mapping, not an array")) { try PluginConfig(json: "[1]") }
        #expect((try? PluginConfig(json: "")) == PluginConfig(values: [:]))
        #expect(throws: PluginError.self) { try PluginConfig(json: #"{"a": }"#) }
    }

    @Test(arguments: [
        (#"{"a": [1, -2.5e3, true, false, null], "b": "\u00e9\ud83d\ude00\n"}"#,
         JSONValue.object(["a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]),
                           "b": .string("é😀\n")])),
        ("  \"x\"  ", JSONValue.string("x")),
    ])
    func jsonParses(text: String, value: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == value)
    }

    @Test(arguments: ["", "{", "[1,]", "01x", "\"abc", "{\"a\" 1}", "tru", "+1", "1 2", "\"\\ud800\""])
    func invalidJSONIsRefused(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: text) }
    }

    @Test func jsonEncodingSortsKeysAndEscapes() {
        let value = JSONValue.object(["line": .string("a \"b\"\n\u{1}"), "file": .string("/x"), "n": .number(2)])
        #expect(value.jsonText == #"{"file": "/x", "line": "a \"b\"\n\u0001", "n": 2}"#)
    }

    @Test func theSwiftFingerprintNamesTheToolchain() {
        #expect(HousekeeperABI.swiftFingerprint.hasPrefix("hk-abi-1;swift-6."))
        #expect(HousekeeperABI.cFingerprint == "hk-abi-1;c")
        #expect(HousekeeperABI.describe(HousekeeperABI.packedVersion) == "1.0")
    }
}
