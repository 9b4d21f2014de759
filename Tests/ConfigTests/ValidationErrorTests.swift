import Config
import Cron
import Testing

/// Every kind of configuration error, with its exact position and message.
struct ValidationErrorTests {
    /// A valid task (lines 1-4) followed by `extra` lines, which start on line 5.
    static func task(_ extra: String) -> String {
        """
        tasks:
          - name: t
            plugin: p
            schedule: "* * * * *"
        \(extra)
        """
    }

    /// One YAML text and the one diagnostic it must produce.
    struct ErrorCase: Sendable, CustomTestStringConvertible {
        /// The configuration text.
        let yaml: String
        /// Its one rendered diagnostic.
        let expected: String
        /// Creates a case.
        init(_ yaml: String, _ expected: String) {
            self.yaml = yaml
            self.expected = expected
        }
        /// Shown in test results.
        var testDescription: String { expected }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(task("    enabled: \"yes\""),
            "config.yaml:5:14: error: wrong type for \"enabled\" in task \"t\": expected a boolean (true or false), "
                + "found a string (\"yes\")"),
        ErrorCase(task("    plugin2: x"),
            "config.yaml:5:5: error: unknown key \"plugin2\" in task \"t\"; did you mean \"plugin\"?"),
        ErrorCase(task("    colour: red"),
            "config.yaml:5:5: error: unknown key \"colour\" in task \"t\"; valid keys: name, plugin, schedule, "
                + "timezone, enabled, timeout, overlap, max_instances, group, timeout_grace, retry, catch_up, "
                + "max_lateness, max_catch_up, startup, startup_delay, jitter, after, on, on_failure, on_success, "
                + "window, window_policy, dst_gap, at, every, anchor, every_mode, priority, max_wait, rate_limit, rate_policy, "
                + "isolation, limits, env, working_directory, expect_success_within, config, description"),
        ErrorCase(task("    isolation: processs"),
            "config.yaml:5:16: error: invalid value \"processs\" for \"isolation\" in task \"t\"; did you mean "
                + "\"process\"?; valid values: in-process, process"),
        ErrorCase(task("    isolation: process\n    limits: {memory: 12 parsecs}"),
            "config.yaml:6:22: error: invalid size \"12 parsecs\" for \"memory\" in \"limits\" in task \"t\"; "
                + "write a whole number with a unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB), e.g. 512MiB"),
        ErrorCase(task("    isolation: process\n    limits: {open_files: 3}"),
            "config.yaml:6:26: error: \"open_files\" in \"limits\" in task \"t\" must be at least 16, found 3"),
        ErrorCase(task("    isolation: process\n    limits: {memroy: 1GiB}"),
            "config.yaml:6:14: error: unknown key \"memroy\" in \"limits\" in task \"t\"; did you mean \"memory\"?"),
        ErrorCase(task("    isolation: process\n    env: {1BAD: x}"),
            "config.yaml:6:11: error: invalid environment variable name \"1BAD\" in \"env\" in task \"t\"; use "
                + "letters, digits and _ (not first), e.g. LANG"),
        // Without a schedule, so the check runs whether or not the cron engine is linked.
        ErrorCase("tasks:\n  - name: t\n    plugin: p\n    startup: true\n    limits: {cpu_seconds: 60}\n",
            "config.yaml:5:13: error: \"limits\" in task \"t\" only applies with isolation: process (it is "
                + "in-process); add isolation: process to the task or remove limits"),
        ErrorCase("plugins:\n  isolation: {stamp: sandbox}\n",
            "config.yaml:2:22: error: invalid value \"sandbox\" for \"stamp\" in \"isolation\" in section "
                + "\"plugins\"; valid values: in-process, process"),
        ErrorCase("taks: []\n",
            "config.yaml:1:1: error: unknown key \"taks\" at the top level; did you mean \"tasks\"?"),
        ErrorCase("limits:\n  max_runing: 2\n",
            "config.yaml:2:3: error: unknown key \"max_runing\" in section \"limits\"; did you mean \"max_running\"?"),
        ErrorCase("limits:\n  max_running: 0\n",
            "config.yaml:2:16: error: \"max_running\" in section \"limits\" must be at least 1, found 0"),
        ErrorCase("limits:\n  max_running: four\n",
            "config.yaml:2:16: error: wrong type for \"max_running\" in section \"limits\": expected an integer, "
                + "found a string (\"four\")"),
        ErrorCase("plugins: /opt/plugins\n",
            "config.yaml:1:10: error: expected a mapping of keys in section \"plugins\", found a string "
                + "(\"/opt/plugins\")"),
        ErrorCase("tasks:\n  name: x\n",
            "config.yaml:2:3: error: wrong type for \"tasks\" at the top level: expected a list of tasks, "
                + "found a mapping"),
        ErrorCase(task("    max_instances: 3"),
            "config.yaml:5:20: error: \"max_instances\" in task \"t\" only applies with overlap: allow (it is "
                + "skip); set overlap: allow or remove max_instances"),
        ErrorCase(task("    overlap: skp"),
            "config.yaml:5:14: error: invalid value \"skp\" for \"overlap\" in task \"t\"; did you mean \"skip\"?; "
                + "valid values: skip, queue, allow, replace"),
        ErrorCase("log:\n  level: verbose\n",
            "config.yaml:2:10: error: invalid value \"verbose\" for \"level\" in section \"log\"; valid values: "
                + "trace, debug, info, notice, warning, error, critical"),
        ErrorCase("log:\n  runs: failure\n",
            "config.yaml:2:9: error: invalid value \"failure\" for \"runs\" in section \"log\"; did you mean "
                + "\"failures\"?; valid values: all, failures"),
        ErrorCase("api:\n  listen: localhost\n",
            "config.yaml:2:11: error: invalid address \"localhost\" for \"listen\" in section \"api\"; write "
                + "host:port, e.g. 127.0.0.1:8089"),
        ErrorCase("api:\n  enabled: on\n",
            "config.yaml:2:12: error: wrong type for \"enabled\" in section \"api\": expected a boolean (true or "
                + "false), found a string (\"on\")"),
        ErrorCase("tasks:\n  - name: -bad\n    plugin: p\n    schedule: \"* * * * *\"\n",
            "config.yaml:2:11: error: invalid task name \"-bad\" for \"name\" in task #1; use 1 to 64 letters, "
                + "digits, '.', '_' or '-', starting with a letter or digit, e.g. nightly-backup"),
        ErrorCase("tasks:\n  - name: t\n    plugin: true\n    schedule: \"* * * * *\"\n",
            "config.yaml:3:13: error: wrong type for \"plugin\" in task \"t\": expected a string, found a boolean "
                + "(true); quote it (\"true\") if you mean the text"),
        ErrorCase("tasks:\n  - name:\n    plugin: p\n    schedule: \"* * * * *\"\n",
            "config.yaml:2:10: error: \"name\" in task #1 must have a value; write e.g. name: nightly-backup"),
        ErrorCase("tasks:\n  - name: t\n    schedule: \"* * * * *\"\n",
            "config.yaml:2:5: error: missing required key \"plugin\" in task \"t\"; add it, e.g. plugin: backup"),
        ErrorCase("tasks:\n  - backup\n",
            "config.yaml:2:5: error: task #1 must be a mapping of task keys (name, plugin, schedule, ...), found "
                + "a string (\"backup\")"),
        ErrorCase(task("    config: [1, 2]"),
            "config.yaml:5:13: error: wrong type for \"config\" in task \"t\": expected a mapping of plugin "
                + "settings, found a sequence"),
        ErrorCase(task("    config:\n      ratio: .inf"),
            "config.yaml:6:14: error: .inf in \"config\" in task \"t\" has no JSON form; quote it to pass it as text"),
        ErrorCase("timezone: UTC\ntimezone: UTC\n",
            "config.yaml:2:1: error: duplicate key \"timezone\" (first set on line 1); remove one of them"),
    ]

    @Test(arguments: errorCases)
    func eachErrorIsReportedAtItsPositionWithWhatToDo(errorCase: ErrorCase) {
        #expect(Fixture.rendered(errorCase.yaml) == [errorCase.expected])
    }

    @Test(arguments: ["5x", "1.5h", "30m1h", "1h1h", "-5", "1h 30m", "''", "{a: 1}"])
    func badDurationsExplainTheFormat(written: String) throws {
        let diagnostic = try #require(Fixture.single(Self.task("    timeout: \(written)")))
        #expect(diagnostic.location.line == 5)
        #expect(diagnostic.location.column == 14)
        let explained = diagnostic.message.contains("e.g. 30s, 5m, 1h30m, 1d12h or 250ms")
            || diagnostic.message.contains("expected a duration such as 30s or 1h30m")
        #expect(explained, "\(diagnostic.message)")
    }

    @Test func aZeroTimeoutIsRefused() {
        #expect(Fixture.rendered(Self.task("    timeout: 0")) == [
            "config.yaml:5:14: error: \"timeout\" in task \"t\" must be longer than zero; write e.g. 30s",
        ])
    }

    @Test func aMissingRequiredKeyPointsAtTheTaskMapping() {
        let yaml = "tasks:\n  - plugin: p\n    description: no name, no schedule\n"
        #expect(Fixture.rendered(yaml) == [
            "config.yaml:2:5: error: missing required key \"name\" in task #1; add it, e.g. name: nightly-backup",
        ])
    }

    @Test func aDuplicateTaskNameNamesTheLineOfTheFirst() {
        let yaml = Self.task("  - name: t\n    plugin: q\n    schedule: \"* * * * *\"")
        #expect(Fixture.rendered(yaml) == [
            "config.yaml:5:11: error: duplicate task name \"t\" (first used on line 2); give each task a unique name",
        ])
    }

    @Test func anUnknownTimeZoneIsReportedAtItsValue() throws {
        let yaml = "timezone: Mars/Olympus\n" + Self.task("    timezone: Europe/Nowhere")
        let found = Fixture.diagnostics(yaml)
        #expect(found.map(\.location.line) == [1, 6])
        #expect(found.map(\.location.column) == [11, 15])
        #expect(found[0].message.hasPrefix("unknown time zone \"Mars/Olympus\" for \"timezone\" at the top level"))
        #expect(found[1].message.hasPrefix("unknown time zone \"Europe/Nowhere\" for \"timezone\" in task \"t\""))
        let advice = "use an IANA name such as \"Europe/Paris\" or \"UTC\", or \"local\" for the system zone"
        #expect(found[1].message.hasSuffix(advice))
    }

    @Test func everyErrorInTheFileIsReportedInFileOrder() {
        let yaml = """
            timezon: UTC
            limits:
              max_running: zero
            tasks:
              - name: a
                plugin: p
                schedule: "* * * * *"
                timeout: 10 minutes
              - name: a
                plugin: p
                schedule: "* * * * *"
                overlap: sometimes
              - plugin: p
                schedule: "* * * * *"
            """
        #expect(Fixture.rendered(yaml) == [
            "config.yaml:1:1: error: unknown key \"timezon\" at the top level; did you mean \"timezone\"?",
            "config.yaml:3:16: error: wrong type for \"max_running\" in section \"limits\": expected an integer, "
                + "found a string (\"zero\")",
            "config.yaml:8:14: error: invalid duration \"10 minutes\" for \"timeout\" in task \"a\"; write a whole "
                + "number with a unit (d, h, m, s, ms) from largest to smallest, e.g. 30s, 5m, 1h30m, 1d12h or "
                + "250ms, or a plain number of seconds",
            "config.yaml:9:11: error: duplicate task name \"a\" (first used on line 5); give each task a unique name",
            "config.yaml:12:14: error: invalid value \"sometimes\" for \"overlap\" in task \"a\"; valid values: "
                + "skip, queue, allow, replace",
            "config.yaml:13:5: error: missing required key \"name\" in task #3; add it, e.g. name: nightly-backup",
        ])
    }

    @Test func aYAMLSyntaxErrorIsTheOnlyDiagnosticAndCarriesLibyamlsPosition() {
        let yaml = "tasks:\n  - name: \"unterminated\n    plugin: p\n"
        let rendered = Fixture.rendered(yaml)
        #expect(rendered.count == 1)
        let expected = "config.yaml:4:1: error: YAML syntax error: found unexpected end of stream"
        #expect(rendered.first?.hasPrefix(expected) == true)
    }

    @Test(arguments: [("\"0 25 * * *\"", 1), ("0 25 * * *", 0), ("'0 25 * * *'", 1)])
    func aCronErrorPointsAtItsTokenInsideTheScalar(written: String, quoteWidth: Int) throws {
        let text = "0 25 * * *"
        var cronColumn = 0
        do {
            _ = try CronExpression.parse(text, seed: "t")
            Issue.record("\(text) should not parse")
        } catch {
            cronColumn = error.column
        }
        let yaml = "tasks:\n  - name: t\n    plugin: p\n    schedule: \(written)\n"
        let errors = try ConfigLoaderProbe.errors(yaml)
        let diagnostic = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(diagnostic.location.line == 4)
        #expect(diagnostic.location.column == 15 + quoteWidth + cronColumn)
        #expect(diagnostic.message.hasPrefix("invalid schedule \"0 25 * * *\" in task \"t\": "))
    }
}
