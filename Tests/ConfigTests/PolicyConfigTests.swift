import Config
import Cron
import Testing

/// The execution-policy keys: what a valid file yields, and every mistake with its position.
struct PolicyConfigTests {
    @Test func everyPolicyKeyIsReadIntoTheTask() throws {
        let yaml = """
            groups:
              db: {max_running: 1}
            tasks:
              - name: vacuum
                plugin: p
                schedule: "0 4 * * 0"
                overlap: allow
                max_instances: 3
                group: db
                timeout: 10m
                timeout_grace: 30s
                retry: {attempts: 4, delay: 30s, backoff: fixed, max_delay: 5m, jitter: 10s}
                catch_up: all
                max_lateness: 5m
                max_catch_up: 2
                jitter: 10m
                window: ["Mon-Fri 09:00-17:00", "Sat 22:00-02:00"]
                window_policy: wait
                on_failure: [alert]
                on_success: alert
              - name: alert
                plugin: p
                after: vacuum
                on: failure
                startup: true
                startup_delay: 15s
            """
        let config = try #require(Fixture.config(yaml))
        #expect(config.groups == ["db": 1])
        let vacuum = config.tasks[0]
        #expect(vacuum.overlap == .allow)
        #expect(vacuum.maxInstances == 3)
        #expect(vacuum.group == "db")
        #expect(vacuum.timeout == .seconds(600))
        #expect(vacuum.timeoutGrace == .seconds(30))
        #expect(vacuum.retry == RetryPolicy(
            attempts: 4, delay: .seconds(30), backoff: .fixed, maxDelay: .seconds(300), jitter: .seconds(10)))
        #expect(vacuum.catchUp == .all)
        #expect(vacuum.maxLateness == .seconds(300))
        #expect(vacuum.maxCatchUp == 2)
        #expect(vacuum.jitter == .seconds(600))
        #expect(vacuum.windows.map(\.text) == ["Mon-Fri 09:00-17:00", "Sat 22:00-02:00"])
        #expect(vacuum.windowPolicy == .wait)
        #expect(vacuum.onFailure == ["alert"])
        #expect(vacuum.onSuccess == ["alert"])
        let alert = config.tasks[1]
        #expect(alert.schedule == nil)
        #expect(alert.after == ["vacuum"])
        #expect(alert.afterCondition == .failure)
        #expect(alert.startup)
        #expect(alert.startupDelay == .seconds(15))
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        let config = try #require(Fixture.config(ValidationErrorTests.task("")))
        let task = config.tasks[0]
        #expect(task.overlap == .skip)
        #expect(task.maxInstances == 1)
        #expect(task.timeoutGrace == .seconds(10))
        #expect(task.retry == nil)
        #expect(task.catchUp == .latest)
        #expect(task.maxLateness == .seconds(60))
        #expect(task.maxCatchUp == 10)
        #expect(!task.startup)
        #expect(task.windows.isEmpty)
    }

    @Test func aTaskWithNothingThatStartsItIsAnError() {
        let yaml = "tasks:\n  - name: orphan\n    plugin: p\n"
        #expect(Fixture.rendered(yaml) == [
            "config.yaml:2:5: error: task \"orphan\" has nothing that starts it; add a schedule (e.g. schedule: "
                + "\"0 3 * * *\", every: 15m or at: 2026-12-01T10:00:00Z), run it after other tasks (after: "
                + "[other-task]) or at start-up (startup: true)",
        ])
    }

    @Test func anUnknownGroupSuggestsTheNearestDeclaredOne() {
        let yaml = "groups:\n  database: {max_running: 1}\n" + ValidationErrorTests.task("    group: databse")
        let found = Fixture.rendered(yaml)
        #expect(found == ["config.yaml:7:12: error: unknown group \"databse\" in task \"t\"; did you mean \"database\"?"])
    }

    @Test func anUndeclaredGroupSaysHowToDeclareIt() {
        let found = Fixture.rendered(ValidationErrorTests.task("    group: io"))
        #expect(found == [
            "config.yaml:5:12: error: unknown group \"io\" in task \"t\"; declare it at the top level, e.g. "
                + "groups: {io: {max_running: 1}}",
        ])
    }

    @Test func aDependencyCycleIsNamed() {
        let yaml = """
            tasks:
              - name: a
                plugin: p
                after: [c]
              - name: b
                plugin: p
                after: a
                on_success: [c]
              - name: c
                plugin: p
                schedule: "* * * * *"
            """
        let found = Fixture.diagnostics(yaml)
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("dependency cycle: ") == true)
        #expect(found.first?.message.contains("a -> b -> c -> a") == true
            || found.first?.message.contains("b -> c -> a -> b") == true
            || found.first?.message.contains("c -> a -> b -> c") == true, "\(found)")
    }

    @Test func referencesToUnknownTasksAndToItselfAreErrors() {
        let yaml = ValidationErrorTests.task("    on_failure: [alret, t]\n  - name: alert\n    plugin: p\n    startup: true")
        let found = Fixture.rendered(yaml)
        #expect(found == [
            "config.yaml:5:18: error: \"on_failure\" in task \"t\" names an unknown task \"alret\"; did you mean \"alert\"?",
            "config.yaml:5:25: error: \"on_failure\" in task \"t\" names the task itself; a task cannot trigger itself",
        ])
    }

    @Test(arguments: [
        ("    window: \"Mon-Fri 9-17\"", "window"),
        ("    window_policy: later", "window_policy"),
        ("    catch_up: some", "catch_up"),
        ("    retry: {attempts: 3, backoff: linear}", "backoff"),
        ("    retry: {attempts: 3, tries: 3}", "tries"),
        ("    max_catch_up: 0", "max_catch_up"),
        ("    on: sometimes", "on"),
        ("    jitter: soon", "jitter"),
    ])
    func badPolicyValuesAreReportedAtTheirKey(line: String, key: String) throws {
        let diagnostic = try #require(Fixture.single(ValidationErrorTests.task(line)))
        #expect(diagnostic.location.line == 5)
        #expect(diagnostic.message.contains("\"\(key)\""), "\(diagnostic.message)")
    }
}

/// `at`, `every`, priorities and rate limits in the configuration.
struct TimingConfigTests {
    @Test func atEveryPriorityAndRateLimitsAreRead() throws {
        let yaml = """
            groups:
              mail: {rate_limit: {runs: 100, per: 1h}}
            tasks:
              - name: launch
                plugin: p
                at: [2026-12-01T10:00:00+01:00, "2026-12-02T09:00:00Z"]
              - name: poll
                plugin: p
                every: 15m
                anchor: "00:05"
                priority: 9
                max_wait: 30m
                group: mail
                rate_limit: {runs: 2, per: 1m}
                rate_policy: skip
              - name: drain
                plugin: p
                every: 10m
                every_mode: after_finish
            """
        let config = try #require(Fixture.config(yaml))
        #expect(config.groups.isEmpty)
        #expect(config.groupRateLimits == ["mail": RateLimit(runs: 100, per: .seconds(3600))])
        #expect(config.tasks[0].at == [1_796_115_600, 1_796_202_000])
        #expect(config.tasks[1].every == IntervalSchedule(every: .seconds(900), anchor: 300, mode: .fixedRate))
        #expect(config.tasks[1].priority == 9)
        #expect(config.tasks[1].maxWait == .seconds(1800))
        #expect(config.tasks[1].rateLimit == RateLimit(runs: 2, per: .seconds(60)))
        #expect(config.tasks[1].ratePolicy == .skip)
        #expect(config.tasks[2].every?.mode == .afterFinish)
    }

    @Test func aTaskHasExactlyOneOfScheduleAtAndEvery() {
        let found = Fixture.rendered(ValidationErrorTests.task("    every: 5m"))
        #expect(found == [
            "config.yaml:5:12: error: task \"t\" has both schedule and every; a task has exactly one of schedule, at "
                + "and every (use after: or on_success: to chain another timing)",
        ])
    }

    @Test(arguments: [
        ("    at: 2026-12-01T10:00:00", "invalid instant \"2026-12-01T10:00:00\"; write RFC 3339 with an offset"),
        ("    at: tomorrow", "invalid instant \"tomorrow\""),
        ("    anchor: \"25:00\"", "invalid time of day \"25:00\""),
        ("    priority: 10", "must be at most 9, found 10"),
        ("    every_mode: sometimes", "\"every_mode\""),
        ("    rate_limit: {runs: 0}", "\"runs\""),
        ("    rate_policy: drop", "\"rate_policy\""),
    ])
    func badTimingValuesSayWhatToWrite(line: String, fragment: String) throws {
        let yaml = "tasks:\n  - name: t\n    plugin: p\n    startup: true\n\(line)\n"
        let diagnostic = try #require(Fixture.single(yaml))
        #expect(diagnostic.location.line == 5)
        #expect(diagnostic.message.contains(fragment), "\(diagnostic.message)")
    }

    @Test func anAnchorNeedsEveryAndCannotBeUsedAfterFinish() {
        let without = Fixture.rendered("tasks:\n  - name: t\n    plugin: p\n    startup: true\n    anchor: \"00:05\"\n")
        #expect(without == [
            "config.yaml:5:13: error: \"anchor\" in task \"t\" only applies to every: schedules; add e.g. every: 15m",
        ])
        let both = Fixture.rendered(
            "tasks:\n  - name: t\n    plugin: p\n    every: 1h\n    anchor: \"00:05\"\n    every_mode: after_finish\n")
        #expect(both.count == 1)
        #expect(both.first?.contains("cannot be used with every_mode: after_finish") == true)
    }

    @Test func rfc3339NeedsAnOffsetAndAValidDate() {
        #expect(CronFormat.parseRFC3339("2026-11-23T14:05:10Z") == 1_795_442_710)
        #expect(CronFormat.parseRFC3339("2026-11-23T15:05:10.250+01:00") == 1_795_442_710)
        #expect(CronFormat.parseRFC3339("2026-11-23T14:05:10") == nil)
        #expect(CronFormat.parseRFC3339("2026-02-29T00:00:00Z") == nil)
        #expect(CronFormat.parseRFC3339("2028-02-29T00:00:00Z") != nil)
    }
}

struct HookTargetTests {
    @Test func aTaskThatIsOnlyAHookIsStartedByItsHook() throws {
        let yaml = """
            tasks:
              - name: health
                plugin: p
                startup: true
                on_failure: [alert]
              - name: alert
                plugin: p
            """
        let config = try #require(Fixture.config(yaml))
        #expect(config.tasks.map(\.name) == ["health", "alert"])
    }
}

struct DSTGapConfigTests {
    @Test func dstGapSkipIsReadAndDefaultsToCoalesce() throws {
        let yaml = """
            tasks:
              - name: a
                plugin: p
                schedule: "30 2 * * *"
                timezone: Europe/Paris
                dst_gap: skip
              - name: b
                plugin: p
                schedule: "30 2 * * *"
            """
        let config = try #require(Fixture.config(yaml))
        #expect(config.tasks[0].dstGap == .skip)
        #expect(config.tasks[1].dstGap == .coalesce)
        let found = Fixture.rendered(ValidationErrorTests.task("    dst_gap: never"))
        #expect(found.first?.contains("valid values: coalesce, skip") == true, "\(found)")
    }
}
