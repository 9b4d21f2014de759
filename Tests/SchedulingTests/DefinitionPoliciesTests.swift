import Config
import Cron
@testable import Scheduling
import Testing

/// The state machine keeps one copy of equal policies (issue 8's idle memory); sharing never lets a change to one
/// task's policies show in another's.
struct DefinitionPoliciesTests {
    @Test func tasksWithEqualPoliciesHoldOneCopyOfThemOnceInstalled() throws {
        let plain = try definition("plain")
        let retried = try (1...3).map { index in
            try definition("retried-\(index)") { $0.retry = RetryPolicy(attempts: 3); $0.onFailure = ["alert"] }
        }
        let alert = try definition("alert", nil)
        // Built one by one, each retried task has a copy of its own...
        #expect(retried[0].sharedPolicies !== retried[1].sharedPolicies)
        #expect(plain.sharedPolicies === TaskDefinition.defaultPolicies)
        var machine = SchedulerStateMachine(maxRunning: 4)
        _ = machine.install([plain, alert] + retried, maxRunning: 4, now: t0)
        // ... installed, they share one.
        let installed = retried.map { machine.tasks[$0.name]!.definition.sharedPolicies }
        #expect(installed[0] === installed[1] && installed[1] === installed[2])
        #expect(machine.tasks["plain"]!.definition.sharedPolicies === TaskDefinition.defaultPolicies)
        #expect(machine.tasks["retried-2"]!.definition.retry?.attempts == 3)
    }

    @Test func aChangeToOneDefinitionLeavesTheOthersAlone() throws {
        let first = try definition("first")
        var second = first
        second.catchUp = .all
        second.windows = [try TimeWindow.parse("Mon 09:00-17:00").get()]
        #expect(first.catchUp == .latest && first.windows.isEmpty)
        #expect(second.catchUp == .all && second.windows.count == 1)
        #expect(TaskDefinition.defaultPolicies.value == TaskDefinition.Policies())
    }

    @Test func aSpecsPoliciesAreCarriedIntoItsDefinition() throws {
        var spec = TaskSpec(name: "t", plugin: "p", schedule: "0 3 * * *", cron: try CronExpression.parse("0 3 * * *"))
        spec.retry = RetryPolicy(attempts: 4)
        spec.group = "db"
        spec.maxLateness = .seconds(5)
        spec.startupDelay = .seconds(2)
        let built = TaskDefinition(spec: spec, schedule: nil, zone: .utc)
        #expect(built.retry?.attempts == 4 && built.group == "db" && built.maxLateness == 5_000_000)
        #expect(built.startupDelay == 2_000_000 && built.sharedPolicies !== TaskDefinition.defaultPolicies)
        let plain = TaskDefinition(
            spec: TaskSpec(name: "u", plugin: "p", schedule: nil, cron: nil), schedule: nil, zone: .utc)
        #expect(plain.sharedPolicies === TaskDefinition.defaultPolicies)
    }
}
