import Config
import Testing

/// The operations keys: alerts, history retention and the dead-man's switch, with their defaults and mistakes.
struct OperationsConfigTests {
    /// One start-up task `t` (lines 1-4) followed by `extra` lines at the top level.
    static func withTask(_ extra: String) -> String {
        """
        tasks:
          - name: t
            plugin: p
            startup: true
        \(extra)
        """
    }

    @Test func everyOperationsKeyIsRead() throws {
        let yaml = """
            state:
              history_retention: 7d
              history_keep_failed: 90d
              prune_interval: 10m
            alerts:
              check_interval: 5s
              error_rate: {threshold: 2.5%, window: 1h, min_runs: 3}
              memory: {threshold: 90, limit: 512MiB}
              on_alert: [notify]
            tasks:
              - name: t
                plugin: p
                startup: true
                expect_success_within: 25h
              - name: notify
                plugin: p
                startup: true
            """
        let config = try #require(Fixture.config(yaml))
        #expect(config.retention == RetentionSettings(
            keep: .seconds(7 * 86_400), keepFailed: .seconds(90 * 86_400), pruneInterval: .seconds(600)))
        #expect(config.alerts == AlertSettings(
            checkInterval: .seconds(5), errorRateThreshold: 0.025, errorRateWindow: .seconds(3600),
            errorRateMinimumRuns: 3, memoryThreshold: 0.9, memoryLimitBytes: 512 << 20, onAlert: ["notify"]))
        #expect(config.tasks[0].expectSuccessWithin == .seconds(25 * 3600))
        #expect(config.tasks[1].expectSuccessWithin == nil)
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        let config = try #require(Fixture.config(Self.withTask("")))
        #expect(config.retention.keep == .seconds(30 * 86_400))
        #expect(config.retention.keepFailed == config.retention.keep, "failures follow the retention unless set")
        #expect(config.alerts.errorRateThreshold == 0.05)
        #expect(config.alerts.memoryThreshold == 0.8)
        #expect(config.alerts.memoryLimitBytes == nil)
        #expect(config.alerts.onAlert.isEmpty)
    }

    static let mistakes: [(yaml: String, expected: String)] = [
        (withTask("alerts:\n  error_rate: {threshold: 150%}"),
         "config.yaml:6:27: error: invalid percentage \"150%\" for \"threshold\" in section \"error_rate\"; write a "
            + "number above 0 and up to 100 followed by %, e.g. 5%"),
        (withTask("alerts:\n  memory: {limit: lots}"),
         "config.yaml:6:19: error: invalid size \"lots\" for \"limit\" in section \"memory\"; write a whole number "
            + "with a unit (KiB, MiB, GiB, TiB, KB, MB, GB, TB), e.g. 512MiB"),
        (withTask("alerts:\n  on_alert: [notfy]\n"),
         "config.yaml:6:14: error: \"on_alert\" in section \"alerts\" names an unknown task \"notfy\""),
        (withTask("alerts:\n  on_alert: [T]\n"),
         "config.yaml:6:14: error: \"on_alert\" in section \"alerts\" names an unknown task \"T\"; did you mean \"t\"?"),
        (withTask("state:\n  history_retention: 0"),
         "config.yaml:6:22: error: \"history_retention\" in section \"state\" must be longer than zero; write e.g. 30s"),
        (withTask("alerts:\n  errors: {}"),
         "config.yaml:6:3: error: unknown key \"errors\" in section \"alerts\"; valid keys: check_interval, "
            + "error_rate, memory, on_alert"),
        ("tasks:\n  - name: t\n    plugin: p\n    startup: true\n    expect_success_within: soon\n",
         "config.yaml:5:28: error: invalid duration \"soon\" for \"expect_success_within\" in task \"t\"; write a whole "
            + "number with a unit (d, h, m, s, ms) from largest to smallest, e.g. 30s, 5m, 1h30m, 1d12h or 250ms, or "
            + "a plain number of seconds"),
    ]

    @Test(arguments: mistakes)
    func mistakesAreReportedAtTheirPosition(yaml: String, expected: String) {
        #expect(Fixture.rendered(yaml) == [expected])
    }
}
