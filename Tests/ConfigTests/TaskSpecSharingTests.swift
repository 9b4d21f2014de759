@testable import Config
import Cron
import Testing

/// Tasks of one load share their equal settings and cron expressions (issue 8's idle memory), and sharing never
/// lets a change to one task show in another.
struct TaskSpecSharingTests {
    private static let yaml = """
        tasks:
          - {name: a, plugin: p, schedule: "0 3 * * *"}
          - {name: b, plugin: p, schedule: "0 3 * * *"}
          - name: c
            plugin: p
            schedule: "5 4 * * *"
            retry: {attempts: 3}
            description: nightly
          - {name: d, plugin: p, schedule: "H 4 * * *", retry: {attempts: 3}, description: nightly}
          - {name: e, plugin: p, schedule: "0 3 * * *"}
        """

    private func tasks() throws -> [String: TaskSpec] {
        let config = try ConfigLoader.parse(text: Self.yaml, file: "tasks.yaml", baseDirectory: "/etc")
        return Dictionary(uniqueKeysWithValues: config.tasks.map { ($0.name, $0) })
    }

    @Test func tasksWithEqualSettingsHoldOneCopyOfThem() throws {
        let tasks = try tasks()
        let a = try #require(tasks["a"]), b = try #require(tasks["b"]), c = try #require(tasks["c"])
        let d = try #require(tasks["d"])
        #expect(a.fields.sharedOptions === b.fields.sharedOptions)
        #expect(a.fields.sharedOptions === TaskSpec.Fields.defaultOptions)
        #expect(c.fields.sharedOptions === d.fields.sharedOptions)
        #expect(c.fields.sharedOptions !== a.fields.sharedOptions)
        #expect(c.retry?.attempts == 3 && d.description == "nightly" && a.retry == nil && a.description == nil)
        #expect(a.fields.sharedCron === b.fields.sharedCron)
        #expect(a.fields.sharedCron !== c.fields.sharedCron)
        // Not a neighbour of a or b: found in the table, not as the last one used.
        let e = try #require(tasks["e"])
        #expect(e.fields.sharedOptions === a.fields.sharedOptions && e.fields.sharedCron === a.fields.sharedCron)
        // H is seeded with the task name: d's expression is its own.
        #expect(d.cron?.source == "H 4 * * *")
    }

    @Test func aChangeToOneTaskLeavesTheTasksSharingItsSettingsAlone() throws {
        let tasks = try tasks()
        var a = try #require(tasks["a"])
        let b = try #require(tasks["b"])
        a.retry = RetryPolicy(attempts: 5, delay: .seconds(1))
        a.maxLateness = .seconds(5)
        a.cron = try CronExpression.parse("0 4 * * *")
        #expect(a.retry?.attempts == 5 && a.maxLateness == .seconds(5) && a.cron?.source == "0 4 * * *")
        #expect(b.retry == nil && b.maxLateness == .seconds(60) && b.cron?.source == "0 3 * * *")
        #expect(TaskSpec.Fields.defaultOptions.value == TaskSpec.Options())
        #expect(a != b)
        var copy = b
        copy.retry = nil
        #expect(copy == b)
    }

    @Test func pluginAndConfigLocationsKeepTheirPlaceWhereverTheyAre() throws {
        let tasks = try tasks()
        let c = try #require(tasks["c"])
        #expect(c.location.description == "tasks.yaml:4:5")
        #expect(c.pluginLocation.description == "tasks.yaml:5:13")
        #expect(c.configLocation == c.location)
        var moved = c
        moved.pluginLocation = SourceLocation(file: "other.yaml", line: 7, column: 9)
        moved.configLocation = SourceLocation(file: "tasks.yaml", line: 1, column: 2, pointer: "/config")
        #expect(moved.pluginLocation.description == "other.yaml:7:9")
        #expect(moved.configLocation.description == "tasks.yaml#/config")
        #expect(moved.location == c.location && c.pluginLocation.description == "tasks.yaml:5:13")
    }
}

/// The cache behind the sharing: the last key first, then the table; each value made once.
struct LastHitDictionaryTests {
    @Test func eachValueIsMadeOnceAndFoundAgainWhateverWasLookedUpBetween() {
        var cache = LastHitDictionary<String, Int>(["seeded": 0])
        var made: [String] = []
        func value(_ key: String) -> Int {
            cache.value(for: key) {
                made.append(key)
                return made.count
            }
        }
        #expect([value("a"), value("a"), value("b"), value("a"), value("seeded"), value("b")] == [1, 1, 2, 1, 0, 2])
        #expect(made == ["a", "b"])
        #expect(cache["c"] == nil && cache["a"] == 1)
        cache.insert(7, for: "a")
        #expect(cache["a"] == 7 && cache["b"] == 2 && cache["a"] == 7)
    }

    @Test func aFailedMakeStoresNothing() {
        struct Refused: Error {}
        var cache = LastHitDictionary<String, Int>()
        #expect(throws: Refused.self) { try cache.value(for: "x") { () throws(Refused) -> Int in throw Refused() } }
        #expect(cache["x"] == nil)
    }
}
