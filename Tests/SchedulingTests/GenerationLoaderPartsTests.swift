import Config
import Cron
import Foundation
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
