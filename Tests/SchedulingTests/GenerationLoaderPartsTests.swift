import Config
import Cron
import Foundation
import Logging
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
