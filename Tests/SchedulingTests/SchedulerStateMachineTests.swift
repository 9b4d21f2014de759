import Config
import Cron
import PluginHost
@testable import Scheduling
import Testing

/// A state machine plus the bookkeeping a caller does: which runs are calling their plugin. Time only moves when a
/// test says so.
struct Harness {
    var machine: SchedulerStateMachine
    var now: Micros
    /// Runs started (by `start` or `startQueued`) and not yet finished, oldest first.
    var running: [PendingRun] = []

    init(_ definitions: [TaskDefinition], maxRunning: Int = 8, groups: [String: Int] = [:], at now: Micros = t0,
         startup: Bool = false, lastSlots: [String: Micros] = [:])
    {
        machine = SchedulerStateMachine(maxRunning: maxRunning)
        self.now = now
        _ = track(machine.install(
            definitions, maxRunning: maxRunning, groups: groups, now: now, startup: startup, lastSlots: lastSlots))
    }

    /// Moves time to `instant` and returns what became due.
    @discardableResult
    mutating func advance(to instant: Micros) -> [SchedulerAction] {
        now = instant
        return track(machine.advance(to: instant))
    }

    /// Ends the oldest running run of `task`.
    @discardableResult
    mutating func finish(_ task: String, _ end: RunEnd) -> [SchedulerAction] {
        guard let index = running.firstIndex(where: { $0.task == task }) else {
            Issue.record("no running run of \(task)")
            return []
        }
        let run = running.remove(at: index)
        return track(machine.finished(serial: run.serial, end: end, now: now))
    }

    mutating func request(_ task: String, _ trigger: RunTrigger = .manual) -> [SchedulerAction] {
        track(machine.request(task: task, trigger: trigger, now: now))
    }

    mutating func track(_ actions: [SchedulerAction]) -> [SchedulerAction] {
        for action in actions {
            switch action {
            case .start(let run), .startQueued(let run): running.append(run)
            default: break
            }
        }
        return actions
    }
}

/// 2026-01-01T00:00:00Z (a Thursday) in microseconds.
let t0: Micros = 1_767_225_600_000_000
let second: Micros = 1_000_000
let minute: Micros = 60 * second
let hour: Micros = 60 * minute

func definition(
    _ name: String, _ expression: String? = "* * * * *", zone: String = "UTC",
    _ configure: (inout TaskDefinition) -> Void = { _ in }
) throws -> TaskDefinition {
    let rules = try TimeZoneRules(identifier: zone)
    let schedule = try expression.map { CronSchedule(expression: try CronExpression.parse($0, seed: name), zone: rules) }
    var definition = TaskDefinition(name: name, schedule: schedule, zone: rules)
    configure(&definition)
    return definition
}

/// What the actions did, in a form easy to compare.
enum Did: Hashable, CustomStringConvertible {
    case start(String, RunTrigger, Micros)
    case startQueued(String, Micros)
    case queue(String, Micros)
    case skip(String, Micros)
    case drop(String)
    case stop(String, StopReason)
    case stuck(String)

    init(_ action: SchedulerAction) {
        switch action {
        case .start(let run): self = .start(run.task, run.trigger, run.scheduledAt)
        case .startQueued(let run): self = .startQueued(run.task, run.scheduledAt)
        case .queue(let run, _): self = .queue(run.task, run.scheduledAt)
        case .skip(let run, _): self = .skip(run.task, run.scheduledAt)
        case .dropQueued(let run, _): self = .drop(run.task)
        case .stop(let run, let reason): self = .stop(run.task, reason)
        case .stuck(let run): self = .stuck(run.task)
        }
    }

    var description: String {
        switch self {
        case .start(let task, let trigger, let at): "start(\(task), \(trigger), +\((at - t0) / second)s)"
        case .startQueued(let task, let at): "startQueued(\(task), +\((at - t0) / second)s)"
        case .queue(let task, let at): "queue(\(task), +\((at - t0) / second)s)"
        case .skip(let task, let at): "skip(\(task), +\((at - t0) / second)s)"
        case .drop(let task): "drop(\(task))"
        case .stop(let task, let reason): "stop(\(task), \(reason))"
        case .stuck(let task): "stuck(\(task))"
        }
    }
}

func did(_ actions: [SchedulerAction]) -> [Did] { actions.map(Did.init) }

func reasons(_ actions: [SchedulerAction]) -> [String] {
    actions.compactMap { action in
        switch action {
        case .skip(_, let reason), .queue(_, let reason), .dropQueued(_, let reason): reason
        default: nil
        }
    }
}

/// Every rule of the dispatch state machine, checked by feeding it chosen instants (no clock, no sleeping).
@Suite struct SchedulerStateMachineTests {
    // MARK: Slots

    @Test func aNewTaskFiresAtItsFirstSlotStrictlyAfterInstallation() throws {
        var h = Harness([try definition("a")])
        #expect(h.machine.nextWakeup == t0 + minute)
        #expect(h.advance(to: t0 + minute - 1).isEmpty)
        #expect(did(h.advance(to: t0 + minute)) == [.start("a", .schedule, t0 + minute)])
        #expect(h.machine.nextWakeup == t0 + 2 * minute)
    }

    @Test func aReloadKeepsUnchangedSlotsAndMovesChangedOnesToTheirNextSlot() throws {
        var h = Harness([try definition("a", "*/5 * * * *"), try definition("b", "*/5 * * * *")])
        h.now = t0 + 2 * minute
        _ = h.track(h.machine.install(
            [try definition("a", "*/5 * * * *"), try definition("b", "* * * * *")], maxRunning: 8, now: h.now))
        #expect(h.machine.nextFire(of: "a") == t0 + 5 * minute)
        #expect(h.machine.nextFire(of: "b") == t0 + 3 * minute)
    }

    @Test func aRemovedTasksWaitingRunsAreDropped() throws {
        var h = Harness([try definition("a"), try definition("b")], maxRunning: 1)
        #expect(did(h.advance(to: t0 + minute)) == [.start("a", .schedule, t0 + minute), .queue("b", t0 + minute)])
        let actions = h.track(h.machine.install([try definition("a")], maxRunning: 1, now: h.now))
        #expect(did(actions) == [.drop("b")])
        #expect(reasons(actions) == ["task removed from the configuration"])
    }

    // MARK: overlap

    @Test func overlapSkipRecordsTheSlotAsSkippedWithTheReason() throws {
        var h = Harness([try definition("a")])
        h.advance(to: t0 + minute)
        let actions = h.advance(to: t0 + 2 * minute)
        #expect(did(actions) == [.skip("a", t0 + 2 * minute)])
        #expect(reasons(actions) == ["overlap: the previous run is still active (overlap: skip)"])
        h.finish("a", .succeeded)
        #expect(did(h.advance(to: t0 + 3 * minute)) == [.start("a", .schedule, t0 + 3 * minute)])
    }

    @Test func overlapQueueKeepsOneWaitingRunAndStartsItWhenThePreviousEnds() throws {
        var h = Harness([try definition("a") { $0.overlap = .queue }])
        h.advance(to: t0 + minute)
        #expect(did(h.advance(to: t0 + 2 * minute)) == [.queue("a", t0 + 2 * minute)])
        let third = h.advance(to: t0 + 3 * minute)
        #expect(did(third) == [.skip("a", t0 + 3 * minute)])
        #expect(reasons(third) == ["overlap: a run is already waiting (overlap: queue keeps one)"])
        #expect(did(h.finish("a", .succeeded)) == [.startQueued("a", t0 + 2 * minute)])
    }

    @Test func overlapAllowRunsConcurrentlyUpToMaxInstances() throws {
        var h = Harness([try definition("a") { $0.overlap = .allow; $0.maxInstances = 2 }])
        h.advance(to: t0 + minute)
        #expect(did(h.advance(to: t0 + 2 * minute)) == [.start("a", .schedule, t0 + 2 * minute)])
        let third = h.advance(to: t0 + 3 * minute)
        #expect(did(third) == [.skip("a", t0 + 3 * minute)])
        #expect(reasons(third) == ["overlap: 2 runs already active (max_instances: 2)"])
        #expect(h.machine.activeRuns(of: "a") == 2)
    }

    @Test func overlapReplaceStopsTheRunningRunAndStartsTheNewOneWhenItReturns() throws {
        var h = Harness([try definition("a") {
            $0.overlap = .replace
            $0.retry = RetryPolicy(attempts: 3)
        }])
        h.advance(to: t0 + minute)
        #expect(did(h.advance(to: t0 + 2 * minute)) == [.stop("a", .replaced), .queue("a", t0 + 2 * minute)])
        // The replaced run is not retried even though it "failed".
        #expect(did(h.finish("a", .cancelled)) == [.startQueued("a", t0 + 2 * minute)])
        #expect(h.machine.nextWakeup == t0 + 3 * minute)
    }

    @Test func overlapReplaceReportsARunThatIgnoresTheStopAfterTheGrace() throws {
        var h = Harness([try definition("a") { $0.overlap = .replace; $0.timeoutGrace = 10 * second }])
        h.advance(to: t0 + minute)
        h.advance(to: t0 + 2 * minute)
        #expect(did(h.advance(to: t0 + 2 * minute + 10 * second)) == [.stuck("a")])
    }

    // MARK: limits and groups

    @Test func runsBeyondTheGlobalLimitWaitInOrderAndStartWhenASlotFrees() throws {
        var h = Harness([try definition("a"), try definition("b"), try definition("c")], maxRunning: 1)
        let slot = t0 + minute
        #expect(did(h.advance(to: slot)) == [.start("a", .schedule, slot), .queue("b", slot), .queue("c", slot)])
        #expect(h.machine.queuedCount == 2)
        #expect(did(h.finish("a", .succeeded)) == [.startQueued("b", slot)])
        #expect(did(h.finish("b", .succeeded)) == [.startQueued("c", slot)])
    }

    @Test func aRunWaitingForTheGlobalLimitSaysWhichLimitAlsoAfterAnInstallChangesIt() throws {
        let tasks = [try definition("a"), try definition("b"), try definition("c"), try definition("d")]
        var h = Harness(tasks, maxRunning: 1)
        #expect(reasons(h.advance(to: t0 + minute)) == Array(
            repeating: "waiting for a free slot (limits.max_running: 1)", count: 3))
        while let run = h.running.first { h.finish(run.task, .succeeded) }
        _ = h.machine.install(tasks, maxRunning: 2, now: h.now)
        #expect(reasons(h.advance(to: t0 + 2 * minute)) == Array(
            repeating: "waiting for a free slot (limits.max_running: 2)", count: 2))
    }

    @Test func aGroupLimitHoldsBackItsTasksButNotOthers() throws {
        var h = Harness(
            [
                try definition("a-vacuum") { $0.group = "db" },
                try definition("b-cleanup") { $0.group = "db" },
                try definition("report"),
            ], maxRunning: 4, groups: ["db": 1])
        let slot = t0 + minute
        let actions = h.advance(to: slot)
        #expect(Set(did(actions)) == [
            .start("a-vacuum", .schedule, slot), .queue("b-cleanup", slot), .start("report", .schedule, slot),
        ])
        #expect(reasons(actions) == ["waiting for a free slot in group db (max_running: 1)"])
        #expect(did(h.finish("a-vacuum", .succeeded)) == [.startQueued("b-cleanup", slot)])
    }

    @Test func aRunHeldBackByItsGroupDoesNotBlockTheLineBehindIt() throws {
        var h = Harness(
            [
                try definition("a", "0 * * * *") { $0.group = "g" },
                try definition("b", "1 * * * *") { $0.group = "g" },
                try definition("c", "1 * * * *"),
            ], maxRunning: 2, groups: ["g": 1], at: t0 + 59 * minute)
        h.advance(to: t0 + hour)  // a starts
        let actions = h.advance(to: t0 + hour + minute)
        #expect(Set(did(actions)) == [.queue("b", t0 + hour + minute), .start("c", .schedule, t0 + hour + minute)])
    }

    // MARK: timeout

    @Test func aTimeoutStopsTheRunThenReportsItStuckAfterTheGraceAndKeepsItsSlot() throws {
        var h = Harness([try definition("a") { $0.timeout = 30 * second; $0.timeoutGrace = 10 * second }])
        h.advance(to: t0 + minute)
        #expect(h.machine.nextWakeup == t0 + minute + 30 * second)
        #expect(did(h.advance(to: t0 + minute + 30 * second)) == [.stop("a", .timeout)])
        #expect(h.advance(to: t0 + minute + 39 * second).isEmpty)
        #expect(did(h.advance(to: t0 + minute + 40 * second)) == [.stuck("a")])
        #expect(h.machine.stuckRuns.map(\.task) == ["a"])
        // Still busy: the next slot is skipped, not started.
        #expect(did(h.advance(to: t0 + 2 * minute)) == [.skip("a", t0 + 2 * minute)])
        h.finish("a", .timedOut)
        #expect(h.machine.stuckRuns.isEmpty)
    }

    // MARK: retry

    @Test func aFailedRunIsRetriedWithExponentialBackoffUpToTheAttempts() throws {
        var h = Harness([try definition("a", nil) {
            $0.retry = RetryPolicy(attempts: 3, delay: .seconds(10), backoff: .exponential, maxDelay: .seconds(25))
        }])
        let first = h.request("a")
        #expect(did(first) == [.start("a", .manual, t0)])
        var delays: [Micros] = []
        var attempts: [Int] = []
        for _ in 0..<3 {
            h.finish("a", .failed)
            let wakeup = h.machine.nextWakeup
            let due = try #require(wakeup)
            delays.append(due - h.now)
            let retry = h.advance(to: due)
            guard case .start(let run) = retry.first else {
                Issue.record("expected a retry, got \(retry)")
                return
            }
            #expect(run.trigger == .retry)
            #expect(run.firstSerial == h.running.first!.firstSerial)
            attempts.append(run.attempt)
        }
        #expect(delays == [10 * second, 20 * second, 25 * second])
        #expect(attempts == [2, 3, 4])
        // Attempts exhausted: no further retry.
        #expect(h.finish("a", .failed).isEmpty)
        #expect(h.machine.nextWakeup == nil)
    }

    @Test(arguments: [RunEnd.timedOut, .crashed, .failed])
    func timeoutsAndCrashesAreRetriedLikeFailures(end: RunEnd) throws {
        var h = Harness([try definition("a", nil) { $0.retry = RetryPolicy(attempts: 1, delay: .seconds(5)) }])
        _ = h.request("a")
        h.finish("a", end)
        #expect(did(h.advance(to: t0 + 5 * second)) == [.start("a", .retry, t0 + 5 * second)])
    }

    @Test(arguments: [RunEnd.failedPermanently, .succeeded, .cancelled, .interrupted])
    func permanentFailuresAndOtherEndsAreNeverRetried(end: RunEnd) throws {
        var h = Harness([try definition("a", nil) { $0.retry = RetryPolicy(attempts: 3, delay: .seconds(5)) }])
        _ = h.request("a")
        h.finish("a", end)
        #expect(h.machine.nextWakeup == nil)
    }

    @Test func fixedBackoffKeepsTheDelayAndJitterIsStableAndBounded() {
        let fixed = RetryPolicy(attempts: 5, delay: .seconds(30), backoff: .fixed)
        #expect((1...5).map { fixed.delay(beforeRetry: $0) } == Array(repeating: .seconds(30), count: 5))
        let offsets = (0..<50).map { StableHash.offset(for: "task|\($0)", below: 10 * second) }
        #expect(offsets.allSatisfy { $0 >= 0 && $0 < 10 * second })
        #expect(Set(offsets).count > 5)
        #expect(StableHash.offset(for: "task|1", below: 10 * second) == offsets[1])
    }

    // MARK: catch-up

    @Test func catchUpLatestAfterDowntimeRunsTheNewestMissedSlotAndRecordsOneSkipForTheRest() throws {
        var machine = SchedulerStateMachine(maxRunning: 4)
        let installed = machine.install(
            [try definition("a") { $0.catchUp = .latest; $0.maxLateness = 30 * second }], maxRunning: 4, now: t0 + 10 * minute + 40 * second,
            startup: true, lastSlots: ["a": t0])
        #expect(did(installed) == [.skip("a", t0 + 9 * minute), .start("a", .catchUp, t0 + 10 * minute)])
        #expect(reasons(installed).first?.hasPrefix("missed: 9 slots could not fire on time") == true)
    }

    @Test func aSlotWithinMaxLatenessAfterDowntimeIsOnTime() throws {
        var machine = SchedulerStateMachine(maxRunning: 4)
        let installed = machine.install(
            [try definition("a") { $0.catchUp = .none }], maxRunning: 4, now: t0 + 10 * minute + 30 * second,
            startup: true, lastSlots: ["a": t0])
        #expect(did(installed) == [.skip("a", t0 + 9 * minute), .start("a", .schedule, t0 + 10 * minute)])
    }

    @Test func catchUpNoneRunsNothingAndRecordsTheWholeGap() throws {
        var machine = SchedulerStateMachine(maxRunning: 4)
        let installed = machine.install(
            [try definition("a") { $0.catchUp = .none; $0.maxLateness = 30 * second }], maxRunning: 4, now: t0 + 10 * minute + 40 * second,
            startup: true, lastSlots: ["a": t0])
        #expect(did(installed) == [.skip("a", t0 + 10 * minute)])
        #expect(reasons(installed).first?.contains("10 slots") == true)
        #expect(reasons(installed).first?.contains("catch_up: none") == true)
    }

    @Test func catchUpAllRunsTheOldestUpToTheCapOneAfterAnother() throws {
        var h = Harness(
            [try definition("a") { $0.catchUp = .all; $0.maxCatchUp = 3; $0.overlap = .allow; $0.maxInstances = 5; $0.maxLateness = 30 * second }],
            at: t0 + 10 * minute + 40 * second, startup: true, lastSlots: ["a": t0])
        // The first catch-up run starts; the others wait for it (sequential); the rest are one skip row.
        #expect(h.running.map(\.scheduledAt) == [t0 + minute])
        #expect(h.machine.queuedCount == 2)
        #expect(did(h.finish("a", .succeeded)) == [.startQueued("a", t0 + 2 * minute)])
        #expect(did(h.finish("a", .succeeded)) == [.startQueued("a", t0 + 3 * minute)])
        #expect(h.finish("a", .succeeded).isEmpty)
    }

    @Test func catchUpAllRecordsTheSlotsBeyondTheCap() throws {
        var machine = SchedulerStateMachine(maxRunning: 4)
        let installed = machine.install(
            [try definition("a") { $0.catchUp = .all; $0.maxCatchUp = 3; $0.maxLateness = 30 * second }], maxRunning: 4,
            now: t0 + 10 * minute + 40 * second, startup: true, lastSlots: ["a": t0])
        let skips = installed.filter { if case .skip = $0 { true } else { false } }
        #expect(did(skips) == [.skip("a", t0 + 10 * minute)])
        #expect(reasons(skips).first?.hasPrefix("missed: 7 slots") == true)
        #expect(reasons(skips).first?.contains("max_catch_up (3)") == true)
    }

    @Test func aSlotLaterThanMaxLatenessIsMissedButOneWithinItRuns() throws {
        var h = Harness([try definition("a") { $0.maxLateness = 30 * second; $0.catchUp = .none }])
        #expect(did(h.advance(to: t0 + minute + 30 * second)) == [.start("a", .schedule, t0 + minute)])
        h.finish("a", .succeeded)
        #expect(did(h.advance(to: t0 + 2 * minute + 31 * second)) == [.skip("a", t0 + 2 * minute)])
    }

    @Test func slotsAlreadyRecordedBeforeTheRestartAreNotMissed() throws {
        var machine = SchedulerStateMachine(maxRunning: 4)
        let installed = machine.install(
            [try definition("a")], maxRunning: 4, now: t0 + 30 * second, startup: true, lastSlots: ["a": t0])
        #expect(installed.isEmpty)
    }

    // MARK: startup

    @Test func aStartupTaskRunsOnceAfterItsDelayAtStartButNotOnReload() throws {
        let task = try definition("init", nil) { $0.startup = true; $0.startupDelay = 5 * second }
        var h = Harness([task], startup: true)
        #expect(h.machine.nextWakeup == t0 + 5 * second)
        #expect(did(h.advance(to: t0 + 5 * second)) == [.start("init", .startup, t0 + 5 * second)])
        h.finish("init", .succeeded)
        _ = h.track(h.machine.install([task], maxRunning: 8, now: h.now))
        #expect(h.machine.nextWakeup == nil)
    }

    @Test func aRebootScheduleIsAStartupRun() throws {
        let spec = TaskSpec(
            name: "boot", plugin: "p", schedule: "@reboot", cron: try CronExpression.parse("@reboot"))
        let task = TaskDefinition(spec: spec, schedule: CronSchedule(expression: spec.cron!, zone: .utc), zone: .utc)
        #expect(task.schedule == nil)
        var h = Harness([task], startup: true)
        #expect(did(h.advance(to: t0)) == [.start("boot", .startup, t0)])
    }

    // MARK: jitter

    @Test func jitterIsAStableOffsetWithinTheBoundThatSpreadsTasks() throws {
        var spec = TaskSpec(name: "nightly", plugin: "p", schedule: "0 2 * * *", cron: try CronExpression.parse("0 2 * * *"))
        spec.jitter = .seconds(600)
        let schedule = CronSchedule(expression: spec.cron!, zone: .utc)
        let a = TaskDefinition(spec: spec, schedule: schedule, zone: .utc)
        let b = TaskDefinition(spec: spec, schedule: schedule, zone: .utc)
        #expect(a.jitterOffset == b.jitterOffset)
        #expect(a.jitterOffset >= 0 && a.jitterOffset < 600 * second)
        let offsets = Set((0..<40).map { index -> Micros in
            var other = spec
            other.name = "task-\(index)"
            return TaskDefinition(spec: other, schedule: schedule, zone: .utc).jitterOffset
        })
        #expect(offsets.count > 20)
        var h = Harness([a])
        #expect(h.machine.nextFire(of: "nightly") == t0 + 2 * hour + a.jitterOffset)
        #expect(did(h.advance(to: t0 + 2 * hour + a.jitterOffset)) == [.start("nightly", .schedule, t0 + 2 * hour + a.jitterOffset)])
    }

    // MARK: after / hooks

    @Test(arguments: [
        (DependencyCondition.success, RunEnd.succeeded, true), (.success, .failed, false),
        (.failure, .failed, true), (.failure, .succeeded, false), (.failure, .failedPermanently, true),
        (.completion, .timedOut, true), (.completion, .succeeded, true), (.completion, .cancelled, false),
    ])
    func aDependentRunsWhenItsUpstreamEndsTheWayItAsks(condition: DependencyCondition, end: RunEnd, runs: Bool) throws {
        var h = Harness([
            try definition("extract"),
            try definition("load", nil) { $0.after = ["extract"]; $0.afterCondition = condition },
        ])
        h.advance(to: t0 + minute)
        let actions = h.finish("extract", end)
        #expect(did(actions) == (runs ? [.start("load", .dependency, t0 + minute)] : []))
        if runs {
            #expect(h.running.first?.cause == RunCause(task: "extract", serial: 1, end: end))
        }
    }

    @Test func onFailureHooksFireOnlyAfterTheLastRetry() throws {
        var h = Harness([
            try definition("backup", nil) {
                $0.retry = RetryPolicy(attempts: 1, delay: .seconds(5))
                $0.onFailure = ["alert"]
                $0.onSuccess = ["report"]
            },
            try definition("alert", nil),
            try definition("report", nil),
        ])
        _ = h.request("backup")
        #expect(h.finish("backup", .failed).isEmpty)
        h.advance(to: t0 + 5 * second)
        let hooks = h.finish("backup", .failed)
        #expect(did(hooks) == [.start("alert", .dependency, t0 + 5 * second)])
        #expect(h.running.first?.cause?.task == "backup")
        #expect(h.running.first?.cause?.end == .failed)
    }

    @Test func onSuccessHooksFireOnSuccess() throws {
        var h = Harness([
            try definition("backup", nil) { $0.onSuccess = ["report"]; $0.onFailure = ["alert"] },
            try definition("alert", nil),
            try definition("report", nil),
        ])
        _ = h.request("backup")
        #expect(did(h.finish("backup", .succeeded)) == [.start("report", .dependency, t0)])
    }

    // MARK: windows

    @Test func aSlotOutsideTheWindowIsSkippedWithTheWindowAsReason() throws {
        let window = try TimeWindow.parse("Mon-Fri 09:00-17:00").get()
        // 2026-01-01 is a Thursday: 08:00 is outside, 09:00 inside, 17:00 outside (end exclusive).
        let task = try definition("a", "0 * * * *") { $0.windows = [window] }
        var h = Harness([task], at: t0 + 7 * hour + 30 * minute)
        let outside = h.advance(to: t0 + 8 * hour)
        #expect(did(outside) == [.skip("a", t0 + 8 * hour)])
        #expect(reasons(outside) == ["outside the window Mon-Fri 09:00-17:00 (window_policy: skip)"])
        #expect(did(h.advance(to: t0 + 9 * hour)) == [.start("a", .schedule, t0 + 9 * hour)])
        #expect(task.windowIsOpen(at: t0 + 17 * hour - 1))
        #expect(!task.windowIsOpen(at: t0 + 17 * hour))
    }

    @Test func windowPolicyWaitQueuesTheRunUntilTheWindowOpens() throws {
        let window = try TimeWindow.parse("Mon-Fri 09:00-17:00").get()
        // Saturday 2026-01-03 10:00 UTC: the window opens Monday 09:00.
        let saturday = t0 + 2 * 24 * hour
        var h = Harness(
            [try definition("a", "0 10 * * *") { $0.windows = [window]; $0.windowPolicy = .wait }], at: saturday)
        let queued = h.advance(to: saturday + 10 * hour)
        #expect(did(queued) == [.queue("a", saturday + 10 * hour)])
        #expect(reasons(queued) == ["waiting for the window Mon-Fri 09:00-17:00"])
        let monday = saturday + 2 * 24 * hour + 9 * hour
        #expect(h.machine.nextWakeup == saturday + 24 * hour + 10 * hour)  // Sunday's slot comes first
        #expect(reasons(h.advance(to: saturday + 34 * hour)) == ["overlap: the previous run is still active (overlap: skip)"])
        #expect(did(h.advance(to: monday)) == [.startQueued("a", saturday + 10 * hour)])
    }

    @Test func windowsAreMatchedInTheTasksZoneOnADSTDay() throws {
        let window = try TimeWindow.parse("02:00-04:00").get()
        // Europe/Paris springs forward on 2026-03-29 at 02:00 local (01:00 UTC) to 03:00.
        let def = try definition("a", nil, zone: "Europe/Paris") { $0.windows = [window] }
        let springForward: Micros = 1_774_746_000 * second  // 2026-03-29T01:00:00Z = 03:00 CEST
        #expect(def.windowIsOpen(at: springForward))
        #expect(def.windowIsOpen(at: springForward + 59 * minute))
        #expect(!def.windowIsOpen(at: springForward + hour))  // 04:00 CEST
        #expect(!def.windowIsOpen(at: springForward - 1 * second))  // 01:59:59 CET
    }

    // MARK: pause

    @Test func aPausedTasksSlotsAreSkippedButManualRunsStillRun() throws {
        var h = Harness([try definition("a")])
        h.machine.setPaused("a", true)
        let paused = h.advance(to: t0 + minute)
        #expect(did(paused) == [.skip("a", t0 + minute)])
        #expect(reasons(paused) == ["paused: resume the task to run it"])
        #expect(did(h.request("a")) == [.start("a", .manual, t0 + minute)])
        h.finish("a", .succeeded)
        h.machine.setPaused("a", false)
        #expect(did(h.advance(to: t0 + 2 * minute)) == [.start("a", .schedule, t0 + 2 * minute)])
    }

    // MARK: clock steps

    @Test func aBackwardStepRecomputesSlotsFromTheNewTime() throws {
        var h = Harness([try definition("a", "0 * * * *")])
        h.advance(to: t0 + hour)
        h.finish("a", .succeeded)
        // The clock goes back 90 minutes: the next slot is the 00:00 one again... strictly after now.
        h.now = t0 - 30 * minute
        h.machine.clockStepped(by: -90 * minute, now: h.now)
        #expect(h.machine.nextFire(of: "a") == t0)
    }

    @Test func aForwardStepMovesRetryDelaysAndLetsCatchUpHandleTheGap() throws {
        var h = Harness([
            try definition("a", nil) { $0.retry = RetryPolicy(attempts: 1, delay: .seconds(60)) },
            try definition("b", "*/10 * * * *") { $0.catchUp = .latest },
        ])
        _ = h.request("a")
        h.finish("a", .failed)
        #expect(h.machine.nextWakeup == t0 + minute)
        // The wall clock jumps 1 hour forward 10 seconds later.
        h.now = t0 + hour + 10 * second
        h.machine.clockStepped(by: hour, now: h.now)
        let actions = h.advance(to: h.now)
        // b's 6 slots in the gap: one skip row for five, the newest runs; a's retry is still 50 s away.
        #expect(did(actions) == [.skip("b", t0 + 50 * minute), .start("b", .schedule, t0 + hour)])
        #expect(h.machine.nextWakeup == t0 + hour + minute)
    }

    // MARK: shutdown

    @Test func drainingDropsEveryWaitingRun() throws {
        var h = Harness([try definition("a"), try definition("b"), try definition("c")], maxRunning: 1)
        h.advance(to: t0 + minute)
        let dropped = h.machine.drainQueue(reason: "shutting down")
        #expect(Set(did(dropped)) == [.drop("b"), .drop("c")])
        #expect(h.machine.queuedCount == 0)
    }
}
