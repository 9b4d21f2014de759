import Cron
import PluginHost
import Scheduling
import Testing

/// Every rule of the dispatch state machine, checked by feeding it chosen instants (no clock, no sleeping).
@Suite struct SchedulerStateMachineTests {
    typealias Machine = SchedulerStateMachine
    /// 2026-01-01T00:00:00Z in microseconds.
    let t0: Micros = 1_767_225_600_000_000
    let minute: Micros = 60_000_000

    func task(_ name: String, _ expression: String = "* * * * *") throws -> Machine.TaskDefinition {
        Machine.TaskDefinition(
            name: name, schedule: CronSchedule(expression: try CronExpression.parse(expression), zone: .utc),
            overlap: .skip)
    }

    func run(_ task: String, at instant: Micros, _ trigger: RunTrigger = .schedule) -> Machine.PendingRun {
        Machine.PendingRun(task: task, trigger: trigger, scheduledAt: instant)
    }

    @Test func aNewTaskFiresAtItsFirstSlotStrictlyAfterInstallation() throws {
        var machine = Machine(maxRunning: 4)
        _ = machine.install([try task("a")], maxRunning: 4, now: t0)
        #expect(machine.nextWakeup == t0 + minute)
        #expect(machine.fireDue(now: t0 + minute - 1).isEmpty)
        #expect(machine.fireDue(now: t0 + minute) == [.start(run("a", at: t0 + minute))])
        #expect(machine.nextWakeup == t0 + 2 * minute)
    }

    @Test func aSlotDueWhileThePreviousRunIsActiveIsSkipped() throws {
        var machine = Machine(maxRunning: 4)
        _ = machine.install([try task("a")], maxRunning: 4, now: t0)
        _ = machine.fireDue(now: t0 + minute)
        let actions = machine.fireDue(now: t0 + 2 * minute)
        guard case .skip(let skipped, let reason) = actions.first, actions.count == 1 else {
            Issue.record("expected one skip, got \(actions)")
            return
        }
        #expect(skipped == run("a", at: t0 + 2 * minute))
        #expect(reason.contains("overlap"))
    }

    @Test func aFinishedRunFreesTheTaskForItsNextSlot() throws {
        var machine = Machine(maxRunning: 4)
        _ = machine.install([try task("a")], maxRunning: 4, now: t0)
        _ = machine.fireDue(now: t0 + minute)
        #expect(machine.finished(task: "a").isEmpty)
        #expect(machine.fireDue(now: t0 + 2 * minute) == [.start(run("a", at: t0 + 2 * minute))])
    }

    @Test func runsBeyondTheGlobalLimitWaitInOrderAndStartWhenASlotFrees() throws {
        var machine = Machine(maxRunning: 1)
        _ = machine.install([try task("a"), try task("b"), try task("c")], maxRunning: 1, now: t0)
        let slot = t0 + minute
        #expect(machine.fireDue(now: slot) == [
            .start(run("a", at: slot)), .queue(run("b", at: slot)), .queue(run("c", at: slot)),
        ])
        #expect(machine.runningCount == 1)
        #expect(machine.queuedCount == 2)
        #expect(machine.finished(task: "a") == [.startQueued(run("b", at: slot))])
        #expect(machine.finished(task: "b") == [.startQueued(run("c", at: slot))])
        #expect(machine.finished(task: "c").isEmpty)
        #expect(machine.runningCount == 0)
    }

    @Test func aQueuedRunCountsAsActiveForTheOverlapPolicy() throws {
        var machine = Machine(maxRunning: 1)
        _ = machine.install([try task("a"), try task("b")], maxRunning: 1, now: t0)
        _ = machine.fireDue(now: t0 + minute)  // a starts, b queues
        let actions = machine.fireDue(now: t0 + 2 * minute)
        #expect(actions.count == 2)
        #expect(actions.allSatisfy { if case .skip = $0 { true } else { false } })
    }

    @Test func slotsMissedTogetherCoalesceIntoOneSkipAndTheLatestRuns() throws {
        var machine = Machine(maxRunning: 4)
        _ = machine.install([try task("a")], maxRunning: 4, now: t0)
        let late = t0 + 10 * minute + 30_000_000
        let actions = machine.fireDue(now: late)
        #expect(actions.count == 2)
        guard case .skip(let skipped, let reason) = actions[0] else {
            Issue.record("expected a skip first, got \(actions)")
            return
        }
        #expect(skipped.scheduledAt == t0 + minute)
        #expect(reason.contains("missed: 9 slots"))
        #expect(actions[1] == .start(run("a", at: t0 + 10 * minute)))
        #expect(machine.nextWakeup == t0 + 11 * minute)
    }

    @Test func aReloadKeepsTheNextSlotOfAnUnchangedScheduleAndMovesAChangedOne() throws {
        var machine = Machine(maxRunning: 4)
        _ = machine.install([try task("a", "0 * * * *"), try task("b", "0 * * * *")], maxRunning: 4, now: t0)
        let hour: Micros = 60 * minute
        #expect(machine.nextFire(of: "a") == t0 + hour)
        _ = machine.install(
            [try task("a", "0 * * * *"), try task("b", "*/5 * * * *")], maxRunning: 4, now: t0 + 2 * minute)
        #expect(machine.nextFire(of: "a") == t0 + hour)
        #expect(machine.nextFire(of: "b") == t0 + 5 * minute)
        #expect(machine.fireDue(now: t0 + 5 * minute) == [.start(run("b", at: t0 + 5 * minute))])
    }

    @Test func aReloadKeepsCountingTheActiveRunsOfKeptTasks() throws {
        var machine = Machine(maxRunning: 4)
        _ = machine.install([try task("a")], maxRunning: 4, now: t0)
        _ = machine.fireDue(now: t0 + minute)
        _ = machine.install([try task("a", "*/2 * * * *")], maxRunning: 4, now: t0 + minute)
        #expect(machine.activeRuns(of: "a") == 1)
        let actions = machine.fireDue(now: t0 + 2 * minute)
        #expect(actions.count == 1)
        if case .skip = actions[0] {} else { Issue.record("expected an overlap skip, got \(actions)") }
    }

    @Test func removingATaskDropsItsQueuedRunsAndItsTimer() throws {
        var machine = Machine(maxRunning: 1)
        _ = machine.install([try task("a"), try task("b")], maxRunning: 1, now: t0)
        _ = machine.fireDue(now: t0 + minute)
        let actions = machine.install([try task("a")], maxRunning: 1, now: t0 + minute)
        #expect(actions == [.dropQueued(run("b", at: t0 + minute), reason: "task removed from the configuration")])
        #expect(machine.nextFire(of: "b") == nil)
        // The removed task's run that was running still frees its global slot.
        #expect(machine.finished(task: "a").isEmpty)
        #expect(machine.runningCount == 0)
    }

    @Test func raisingTheLimitOnReloadStartsQueuedRuns() throws {
        var machine = Machine(maxRunning: 1)
        _ = machine.install([try task("a"), try task("b")], maxRunning: 1, now: t0)
        _ = machine.fireDue(now: t0 + minute)
        let actions = machine.install([try task("a"), try task("b")], maxRunning: 2, now: t0 + minute)
        #expect(actions == [.startQueued(run("b", at: t0 + minute))])
    }

    @Test func shutdownDropsQueuedRuns() throws {
        var machine = Machine(maxRunning: 1)
        _ = machine.install([try task("a"), try task("b")], maxRunning: 1, now: t0)
        _ = machine.fireDue(now: t0 + minute)
        #expect(machine.drainQueue(reason: "stop") == [.dropQueued(run("b", at: t0 + minute), reason: "stop")])
        #expect(machine.activeRuns(of: "b") == 0)
    }

    @Test func aTaskWithoutScheduleNeverFiresButCanBeRequested() {
        var machine = Machine(maxRunning: 4)
        _ = machine.install([.init(name: "boot", schedule: nil, overlap: .skip)], maxRunning: 4, now: t0)
        #expect(machine.nextWakeup == nil)
        #expect(machine.request(run("boot", at: t0, .startup)) == .start(run("boot", at: t0, .startup)))
    }

    @Test func requestsForUnknownTasksAreRefused() {
        var machine = Machine(maxRunning: 4)
        guard case .skip(_, let reason) = machine.request(run("ghost", at: t0, .manual)) else {
            Issue.record("expected a skip")
            return
        }
        #expect(reason == "unknown task")
    }

    @Test func manyTasksFireInInstantOrder() throws {
        var machine = Machine(maxRunning: 100)
        let definitions = try (0..<50).map { try task("t\($0)", "\($0 % 7) * * * *") }
        _ = machine.install(definitions, maxRunning: 100, now: t0)
        var instants: [Micros] = []
        while let next = machine.nextWakeup, next < t0 + 60 * minute {
            for action in machine.fireDue(now: next) {
                if case .start(let run) = action {
                    instants.append(run.scheduledAt)
                    _ = machine.finished(task: run.task)
                }
            }
        }
        #expect(instants.count == 50)
        #expect(instants == instants.sorted())
    }
}
