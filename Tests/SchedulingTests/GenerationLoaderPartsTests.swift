import Config
import Cron
import Foundation
import Logging
import PluginHost
@testable import Scheduling
import Testing

/// The pieces of a load that keep 100,000 tasks cheap: shared schedule objects, per-task folders without path calls.
@Suite struct GenerationLoaderPartsTests {
    @Test func tasksWithTheSameExpressionZoneAndGapRuleShareOneSchedule() throws {
        var shared = SharedSchedules()
        let utc = try TimeZoneRules(identifier: "UTC")
        let paris = try TimeZoneRules(identifier: "Europe/Paris")
        let daily = try CronExpression.parse("0 3 * * *", seed: "a")
        let first = shared.schedule(daily, zoneName: "UTC", zone: utc, dstGap: .coalesce)
        #expect(shared.schedule(daily, zoneName: "UTC", zone: utc, dstGap: .coalesce) === first)
        #expect(shared.schedule(daily, zoneName: "Europe/Paris", zone: paris, dstGap: .coalesce) !== first)
        #expect(shared.schedule(daily, zoneName: "UTC", zone: utc, dstGap: .skip) !== first)
        // H is seeded with the task name: two tasks' H expressions are different schedules.
        let hashedA = shared.schedule(try CronExpression.parse("H 3 * * *", seed: "a"), zoneName: "UTC", zone: utc, dstGap: .coalesce)
        let hashedB = shared.schedule(try CronExpression.parse("H 3 * * *", seed: "b"), zoneName: "UTC", zone: utc, dstGap: .coalesce)
        #expect(hashedA !== hashedB)
        #expect(hashedA.expression.seed == "a" && hashedB.expression.seed == "b")
        // Back to a key seen before, with others in between (the previous key is checked first, then the table).
        #expect(shared.schedule(daily, zoneName: "UTC", zone: utc, dstGap: .coalesce) === first)
        #expect(shared.schedule(daily, zoneName: "UTC", zone: utc, dstGap: .skip)
            === shared.schedule(daily, zoneName: "UTC", zone: utc, dstGap: .skip))
    }

    /// Definitions made in a row reuse the previous one's typical interval (the default `max_wait`) only when they
    /// have the same schedule object: each gets what it would get alone.
    @Test func definitionsMadeInARowGetTheirOwnScheduleDefaultMaxWait() throws {
        let plugin = try SchedulerFixture.plugin()
        let utc = try TimeZoneRules(identifier: "UTC")
        var shared = SharedSchedules()
        func task(
            _ name: String, _ expression: String, maxWait: Duration? = nil, enabled: Bool = true, jitter: Duration? = nil
        ) throws -> ScheduledTask {
            let cron = try CronExpression.parse(expression, seed: name)
            var spec = TaskSpec(name: name, plugin: plugin.name, schedule: expression, cron: cron)
            spec.maxWait = maxWait
            spec.enabled = enabled
            spec.jitter = jitter
            return ScheduledTask(
                spec: spec, schedule: shared.schedule(cron, zoneName: "UTC", zone: utc, dstGap: .coalesce), zone: utc,
                plugin: plugin, instance: nil)
        }
        let tasks = [
            try task("a", "* * * * * *"), try task("b", "* * * * * *", jitter: .milliseconds(300)),
            try task("c", "0 * * * *"), try task("d", "* * * * * *"), try task("e", "* * * * *", maxWait: .seconds(5)),
            try task("f", "* * * * *"), try task("g", "* * * * *", enabled: false), try task("h", "*/5 * * * *"),
            try task("i", "*/5 * * * *"),
        ]
        let second: Micros = 1_000_000
        let definitions = tasks.definitions
        #expect(definitions.map(\.maxWait) == tasks.map(\.definition.maxWait))
        // A disabled task has no slots: the default of an hour.
        #expect(definitions.map(\.maxWait) == [1, 1, 3600, 1, 5, 60, 3600, 300, 300].map { $0 * second })
    }

    @Test func aTaskStateFolderIsWhatThePathCallsWouldGive() {
        for database in ["/var/lib/hk/state.sqlite", "/state.sqlite", "state.sqlite", "var/hk.sqlite", "/a/b/"] {
            let expected = ((database as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent("tasks/backup")
            let root = (database as NSString).deletingLastPathComponent
            #expect(GenerationLoader.taskStateDirectory(root: root, task: "backup") == expected, "\(database)")
        }
    }
}

/// The file's text is kept with a generation only where runtime task changes re-validate against it.
@Suite struct GenerationConfigTextTests {
    @Test func theTextIsKeptOnlyWhileRuntimeTasksCanChange() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hk-text-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/plugins", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/config.yaml"
        func write(api: String) throws -> String {
            let text = "plugins: {directory: plugins}\nstate: {database: state.sqlite}\napi: \(api)\ntasks: []\n"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return text
        }
        let loader = GenerationLoader(
            configPath: path, environment: [:], allowInsecurePlugins: true, pool: BlockingThreadPool(name: "test"),
            logger: Logger(label: "test"))
        _ = try write(api: "{enabled: false}")
        let off = try await loader.load(previous: nil)
        #expect(off.configText == nil)
        let kept = try write(api: "{token: \"0123456789abcdef0123456789abcdef\"}")
        let on = try await loader.load(previous: off)
        #expect(on.configText == kept)
        _ = try write(api: "{token: \"0123456789abcdef0123456789abcdef\", runtime_tasks: false}")
        #expect(try await loader.load(previous: on).configText == nil)
        // A runtime-task load from a generation without the text reads the file: an empty text would load the
        // defaults (the API on) and no task at all.
        _ = try write(api: "{enabled: false}")
        let next = try await loader.load(previous: off, runtimeTasks: [], rereadingFile: false)
        #expect(next.config.api.enabled == false && next.configText == nil)
    }
}

/// What a reload reports as added, removed and changed: found by position when the order is kept, by name when not.
@Suite struct GenerationChangeTests {
    private func generation(_ number: Int, _ tasks: [(name: String, schedule: String)]) throws -> Generation {
        let plugin = try SchedulerFixture.plugin()
        let zone = try TimeZoneRules(identifier: "UTC")
        let scheduled = try tasks.map { task in
            let cron = try CronExpression.parse(task.schedule, seed: task.name)
            return ScheduledTask(
                spec: TaskSpec(name: task.name, plugin: plugin.name, schedule: task.schedule, cron: cron),
                schedule: CronSchedule(expression: cron, zone: zone), zone: zone, plugin: plugin, instance: nil)
        }
        return Generation(
            number: number, config: HousekeeperConfig(file: "/test/config.yaml"), catalog: PluginCatalog(),
            tasks: scheduled, dropped: [])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var what: String
        var old: [(name: String, schedule: String)]
        var new: [(name: String, schedule: String)]
        var added: Set<String> = []
        var removed: Set<String> = []
        var changed: Set<String> = []
        var testDescription: String { what }
    }

    static let cases: [Case] = [
        Case(what: "same order, one schedule edited",
             old: [("a", "* * * * *"), ("b", "0 * * * *"), ("c", "0 0 * * *")],
             new: [("a", "* * * * *"), ("b", "5 * * * *"), ("c", "0 0 * * *")], changed: ["b"]),
        Case(what: "one inserted in the middle, the rest moved by one",
             old: [("a", "* * * * *"), ("b", "0 * * * *"), ("c", "0 0 * * *")],
             new: [("a", "* * * * *"), ("new", "1 * * * *"), ("b", "0 * * * *"), ("c", "0 0 * * *")], added: ["new"]),
        Case(what: "one removed, one renamed, the order shuffled, one changed",
             old: [("a", "* * * * *"), ("b", "0 * * * *"), ("c", "0 0 * * *"), ("d", "0 1 * * *")],
             new: [("d", "0 2 * * *"), ("a", "* * * * *"), ("c2", "0 0 * * *")],
             added: ["c2"], removed: ["b", "c"], changed: ["d"]),
        Case(what: "everything replaced", old: [("a", "* * * * *")], new: [("b", "* * * * *")],
             added: ["b"], removed: ["a"]),
        Case(what: "the last swapped for another", old: [("a", "* * * * *"), ("b", "* * * * *")],
             new: [("a", "* * * * *"), ("z", "* * * * *")], added: ["z"], removed: ["b"]),
    ]

    @Test(arguments: cases)
    func addedRemovedAndChangedAreFoundWhereverTheTasksMoved(_ test: Case) throws {
        let change = GenerationChange(from: try generation(1, test.old), to: try generation(2, test.new))
        #expect(change.added == test.added)
        #expect(change.removed == test.removed)
        #expect(change.changed == test.changed)
    }
}
