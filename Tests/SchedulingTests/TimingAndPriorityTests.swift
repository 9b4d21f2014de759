import Config
import Cron
import PluginHost
@testable import Scheduling
import Testing

/// `at:` and `every:` schedules, priorities with starvation protection, and rate limits, under a manual clock.
@Suite struct TimingAndPriorityTests {
    func interval(_ name: String, every: Micros, anchor: Micros? = nil, afterFinish: Bool = false,
                  zone: String = "UTC") throws -> TaskDefinition {
        try definition(name, nil, zone: zone) {
            $0.every = .init(every: every, anchor: anchor, afterFinish: afterFinish)
        }
    }

    // MARK: at

    @Test func anAtTaskRunsOnceAtEachInstantThenIsCompleted() throws {
        var h = Harness([try definition("once", nil) { $0.at = [t0 + hour, t0 + 2 * hour] }])
        #expect(h.machine.nextWakeup == t0 + hour)
        #expect(did(h.advance(to: t0 + hour)) == [.start("once", .schedule, t0 + hour)])
        h.finish("once", .succeeded)
        #expect(did(h.advance(to: t0 + 2 * hour)) == [.start("once", .schedule, t0 + 2 * hour)])
        h.finish("once", .succeeded)
        #expect(h.machine.nextFire(of: "once") == nil)
        #expect(h.machine.nextWakeup == nil)
    }

    @Test func anAtInstantMissedWhileTheDaemonWasDownFollowsCatchUp() throws {
        var machine = SchedulerStateMachine(maxRunning: 4)
        let installed = machine.install(
            [try definition("once", nil) { $0.at = [t0 + hour] }], maxRunning: 4, now: t0 + 3 * hour,
            startup: true, lastSlots: ["once": t0 - hour])
        #expect(did(installed) == [.start("once", .catchUp, t0 + hour)])
    }

    @Test func anAtInstantInADSTGapIsTheRealInstantItNames() throws {
        // 02:30 does not exist in Paris on 2026-03-29; written with an offset it is still one real instant.
        let instant = try #require(CronFormat.parseRFC3339("2026-03-29T02:30:00+01:00"))
        var h = Harness([try definition("gap", nil, zone: "Europe/Paris") { $0.at = [instant * second] }])
        #expect(h.machine.nextWakeup == 1_774_747_800 * second)  // 01:30Z
        #expect(did(h.advance(to: 1_774_747_800 * second)).count == 1)
    }

    // MARK: every

    @Test func everyFixedRateFiresOnMultiplesOfTheIntervalAcrossRestarts() throws {
        let task = try interval("tick", every: 15 * minute)
        var h = Harness([task], at: t0 + 7 * minute)
        #expect(h.machine.nextWakeup == t0 + 15 * minute)
        h.advance(to: t0 + 15 * minute)
        h.finish("tick", .succeeded)
        #expect(h.machine.nextWakeup == t0 + 30 * minute)
        // Another daemon started at another time fires at the same instants.
        let other = Harness([task], at: t0 + 16 * minute)
        #expect(other.machine.nextFire(of: "tick") == t0 + 30 * minute)
    }

    @Test func everyWithAnAnchorAlignsToTheAnchor() throws {
        var h = Harness([try interval("tick", every: 15 * minute, anchor: 5 * minute)], at: t0 + 6 * minute)
        var fired: [Micros] = []
        for _ in 0..<5 {
            let wakeup = h.machine.nextWakeup
            let due = try #require(wakeup)
            h.advance(to: due)
            h.finish("tick", .succeeded)
            fired.append((due - t0) / minute)
        }
        #expect(fired == [20, 35, 50, 65, 80])
    }

    @Test func acrossADSTChangeAFixedRateFollowsRealTimeAndAnAnchorFollowsWallTime() throws {
        // Europe/Paris, 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z.
        let midnightUTC: Micros = 1_774_742_400 * second  // 2026-03-29T00:00:00Z = 01:00 CET
        let fixed = try interval("fixed", every: hour, zone: "Europe/Paris")
        let anchored = try interval("anchored", every: hour, anchor: 30 * minute, zone: "Europe/Paris")
        func slots(_ task: TaskDefinition) -> [Micros] {
            var result: [Micros] = []
            var cursor = midnightUTC
            for _ in 0..<4 {
                guard let next = task.nextSlot(after: cursor) else { break }
                result.append((next - midnightUTC) / minute)
                cursor = next
            }
            return result
        }
        // Fixed rate: every 60 real minutes.
        #expect(slots(fixed) == [60, 120, 180, 240])
        // Anchored at :30 wall time: 01:30 CET (00:30Z), then 02:30 does not exist, then 03:30 CEST (01:30Z) ...
        #expect(slots(anchored) == [30, 90, 150, 210])
        let wall = slots(anchored).map { minutes -> String in
            CronFormat.rfc3339((midnightUTC + minutes * minute) / second, in: try! TimeZoneRules(identifier: "Europe/Paris"))
        }
        #expect(wall.allSatisfy { $0.contains(":30:00") })
        #expect(!wall.contains { $0.contains("T02:30") })
    }

    @Test func everyAfterFinishCountsFromTheEndOfThePreviousRun() throws {
        var h = Harness([try interval("drain", every: 10 * minute, afterFinish: true)])
        #expect(h.machine.nextWakeup == t0 + 10 * minute)
        h.advance(to: t0 + 10 * minute)
        #expect(h.machine.nextWakeup == nil)  // nothing until the run ends
        h.now = t0 + 13 * minute
        h.finish("drain", .succeeded)
        #expect(h.machine.nextWakeup == t0 + 23 * minute)
    }

    @Test func everyAfterFinishKeepsGoingWhenASlotIsSkipped() throws {
        var h = Harness([try interval("drain", every: 10 * minute, afterFinish: true)])
        h.machine.setPaused("drain", true)
        #expect(did(h.advance(to: t0 + 10 * minute)) == [.skip("drain", t0 + 10 * minute)])
        #expect(h.machine.nextWakeup == t0 + 20 * minute)
    }

    // MARK: priority

    @Test func higherPriorityStartsFirstAndFIFOWithinAPriority() throws {
        var h = Harness(
            [
                try definition("holder", "0 * * * *"),
                try definition("low", "1 * * * *") { $0.priority = 1 },
                try definition("high-a", "2 * * * *") { $0.priority = 9 },
                try definition("high-b", "3 * * * *") { $0.priority = 9 },
            ], maxRunning: 1, at: t0 + 59 * minute)
        h.advance(to: t0 + hour)
        h.advance(to: t0 + hour + minute)
        h.advance(to: t0 + hour + 2 * minute)
        h.advance(to: t0 + hour + 3 * minute)
        #expect(h.machine.queuedCount == 3)
        #expect(did(h.finish("holder", .succeeded)) == [.startQueued("high-a", t0 + hour + 2 * minute)])
        #expect(did(h.finish("high-a", .succeeded)) == [.startQueued("high-b", t0 + hour + 3 * minute)])
        #expect(did(h.finish("high-b", .succeeded)) == [.startQueued("low", t0 + hour + minute)])
    }

    @Test func aRunWaitingLongerThanMaxWaitGoesFirstSoNothingStarves() throws {
        var h = Harness(
            [
                try definition("holder", "0 * * * *"),
                try definition("low", "1 * * * *") { $0.priority = 0; $0.maxWait = 10 * minute },
                try definition("high", "5 * * * *") { $0.priority = 9 },
            ], maxRunning: 1, at: t0 + 59 * minute)
        h.advance(to: t0 + hour)
        h.advance(to: t0 + hour + minute)  // low waits from here
        h.advance(to: t0 + hour + 5 * minute)
        h.now = t0 + hour + 12 * minute  // low has waited 11 minutes > max_wait
        #expect(did(h.finish("holder", .succeeded)) == [.startQueued("low", t0 + hour + minute)])
    }

    // MARK: rate limits

    @Test func aRateLimitQueuesTheRunOverItUntilTheWindowHasRoom() throws {
        var h = Harness([try definition("api", nil) {
            $0.overlap = .allow
            $0.maxInstances = 10
            $0.rateLimit = .init(runs: 2, per: minute)
        }])
        #expect(did(h.request("api")) == [.start("api", .manual, t0)])
        h.now = t0 + 10 * second
        #expect(did(h.request("api")) == [.start("api", .manual, t0 + 10 * second)])
        h.now = t0 + 20 * second
        let third = h.request("api")
        #expect(did(third) == [.queue("api", t0 + 20 * second)])
        #expect(reasons(third) == ["waiting: rate limit: 2 runs per 1m reached (rate_policy: queue)"])
        // The window frees at the first start plus one minute, not a microsecond earlier.
        #expect(h.machine.nextWakeup == t0 + minute)
        #expect(h.advance(to: t0 + minute - 1).isEmpty)
        #expect(did(h.advance(to: t0 + minute)) == [.startQueued("api", t0 + 20 * second)])
    }

    @Test func rateLimitSkipRecordsTheSkippedRun() throws {
        var h = Harness([try definition("api", nil) {
            $0.overlap = .allow
            $0.maxInstances = 10
            $0.rateLimit = .init(runs: 1, per: minute)
            $0.ratePolicy = .skip
        }])
        _ = h.request("api")
        let second = h.request("api")
        #expect(did(second) == [.skip("api", t0)])
        #expect(reasons(second) == ["rate limit: 1 runs per 1m reached (rate_policy: skip)"])
    }

    @Test func aGroupRateLimitSpansItsTasks() throws {
        var machine = SchedulerStateMachine(maxRunning: 8)
        _ = machine.install(
            [try definition("a", nil) { $0.group = "mail" }, try definition("b", nil) { $0.group = "mail" }],
            maxRunning: 8, groupRateLimits: ["mail": .init(runs: 1, per: hour)], now: t0)
        #expect(did(machine.request(task: "a", trigger: .manual, now: t0)) == [.start("a", .manual, t0)])
        #expect(did(machine.request(task: "b", trigger: .manual, now: t0)) == [.queue("b", t0)])
        #expect(machine.nextWakeup == t0 + hour)
    }

    // MARK: dst_gap

    @Test func dstGapSkipLeavesOutTheSpringForwardDayThatCoalesceRunsAtTheTransition() throws {
        let paris = try TimeZoneRules(identifier: "Europe/Paris")
        var spec = TaskSpec(name: "t", plugin: "p", schedule: "30 2 * * *", cron: try CronExpression.parse("30 2 * * *"),
                            timezone: "Europe/Paris")
        let from: Micros = 1_774_699_200 * second  // 2026-03-28T12:00:00Z
        let coalesce = TaskDefinition(spec: spec, schedule: CronSchedule(expression: spec.cron!, zone: paris), zone: paris)
        spec.dstGap = .skip
        let skip = TaskDefinition(
            spec: spec, schedule: CronSchedule(expression: spec.cron!, zone: paris, dstGap: .skip), zone: paris)
        let transition: Micros = 1_774_746_000 * second  // 2026-03-29T01:00:00Z = 03:00 CEST
        #expect(coalesce.nextSlot(after: from) == transition)
        #expect(skip.nextSlot(after: from) == 1_774_830_600 * second)  // 2026-03-30T00:30:00Z = 02:30 CEST
    }
}

/// A burst: many runs due at once wait in one long line, which must keep its order however it is walked.
@Suite struct LongLineTests {
    @Test func aLongLineStartsInOrderOnePerFreedSlotAndAGroupHoldsBackOnlyItsOwn() throws {
        let names = (0..<200).map { "t\($0 < 10 ? "00" : $0 < 100 ? "0" : "")\($0)" }
        let definitions = try names.map { name in
            try definition(name) { if name == "t003" || name == "t004" { $0.group = "g" } }
        }
        var h = Harness(definitions, maxRunning: 2, groups: ["g": 1])
        let wakeup = h.machine.nextWakeup
        let due = try #require(wakeup)
        let first = did(h.advance(to: due))
        #expect(first.prefix(2) == [.start("t000", .schedule, due), .start("t001", .schedule, due)])
        #expect(Array(first.dropFirst(2)) == names.dropFirst(2).map { Did.queue($0, due) })
        #expect(did(h.finish("t000", .succeeded)) == [.startQueued("t002", due)])
        #expect(did(h.finish("t001", .succeeded)) == [.startQueued("t003", due)])
        // t004 is next in line but its group is full: t005 goes past it, and t004 keeps its place.
        #expect(did(h.finish("t002", .succeeded)) == [.startQueued("t005", due)])
        #expect(did(h.finish("t003", .succeeded)) == [.startQueued("t004", due)])
        var order: [String] = []
        while let oldest = h.running.first {
            for action in h.finish(oldest.task, .succeeded) {
                if case .startQueued(let run) = action { order.append(run.task) }
            }
        }
        #expect(order == Array(names.dropFirst(6)))
        #expect(h.machine.queuedCount == 0)
    }

    @Test func aHigherPriorityLaterInLineStillGoesFirst() throws {
        let definitions = try (0..<50).map { index in
            try definition("t\(index < 10 ? "0" : "")\(index)") { if index == 40 { $0.priority = 9 } }
        }
        var h = Harness(definitions, maxRunning: 1)
        let wakeup = h.machine.nextWakeup
        let due = try #require(wakeup)
        h.advance(to: due)
        #expect(did(h.finish("t00", .succeeded)) == [.startQueued("t40", due)])
        #expect(did(h.finish("t40", .succeeded)) == [.startQueued("t01", due)])
    }
}
