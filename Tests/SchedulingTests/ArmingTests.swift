import Config
import Cron
@testable import History
@testable import PluginHost
@testable import Scheduling
import Synchronization
import Testing

/// Slots decided ahead of their instant (`arm`), started when it comes (`releaseArmed`), and put back on the timer
/// by any event before it (`disarm`): always the decisions `advance` makes at the instant.
@Suite struct ArmingTests {
    let instant = t0 + second

    /// Every task due every second; `max_running: 2`.
    func harness(_ names: [String] = ["a", "b", "c", "d", "e"], maxRunning: Int = 2,
                 _ configure: (String, inout TaskDefinition) -> Void = { _, _ in }) throws -> Harness
    {
        Harness(
            try names.map { name in try definition(name, "* * * * * *") { configure(name, &$0) } },
            maxRunning: maxRunning)
    }

    func arm(_ h: inout Harness, at instant: Micros? = nil, now: Micros? = nil, limit: Int = 100,
             canRecord: @escaping (String) -> Bool = { _ in true }) -> SchedulerStateMachine.Armed?
    {
        h.machine.arm(at: instant ?? self.instant, now: now ?? h.now, limit: limit) { task, _ in canRecord(task) }
    }

    /// Releases at `at` and tracks the started runs as `advance` would have.
    func release(_ h: inout Harness, at: Micros) -> SchedulerStateMachine.Armed? {
        h.now = at
        let released = h.machine.releaseArmed(now: at)
        if let released { h.running += released.runs.prefix(released.starting) }
        return released
    }

    /// What a machine looks like from outside: running and waiting runs (task and slot), each task's next slot.
    func picture(_ h: inout Harness, _ names: [String]) -> [String] {
        h.machine.runningRuns.values.map { "running \($0.run.task) +\(($0.run.scheduledAt - t0) / second)s" }.sorted()
            + h.machine.waiting.map { "waiting \($0.run.task) +\(($0.run.scheduledAt - t0) / second)s" }
            + names.map { "next \($0) +\((h.machine.nextFire(of: $0)! - t0) / second)s" }
            + ["wake +\((h.machine.nextWakeup! - t0) / second)s"]
    }

    @Test func armedSlotsReleasedAtTheirInstantEndAsAdvanceWouldHaveLeftThem() throws {
        let names = ["a", "b", "c", "d", "e"]
        var armed = try harness()
        var plain = try harness()
        let slots = try #require(arm(&armed, now: t0 + second / 2))
        #expect(slots.runs.map(\.task) == names)
        #expect(slots.starting == 2)
        // Nothing starts before the instant; the loop's next wake-up is the instant, and each task's next slot too.
        #expect(armed.machine.nextWakeup == instant)
        #expect(names.allSatisfy { armed.machine.nextFire(of: $0) == instant })
        #expect(armed.machine.releaseArmed(now: instant - 1) == nil)
        #expect(armed.advance(to: instant - 1).isEmpty)
        #expect(armed.machine.runningCount == 0)
        let released = try #require(release(&armed, at: instant + 300))
        #expect(released.runs.prefix(released.starting).map(\.task) == ["a", "b"])
        #expect(armed.advance(to: instant + 300).isEmpty, "nothing left for advance at the instant")
        #expect(did(plain.advance(to: instant + 300)) == [
            .start("a", .schedule, instant), .start("b", .schedule, instant), .queue("c", instant),
            .queue("d", instant), .queue("e", instant),
        ])
        #expect(picture(&armed, names) == picture(&plain, names))
        // The waiting runs started by the ends go on as before: the same runs, in the same order.
        #expect(did(armed.finish("a", .succeeded)) == did(plain.finish("a", .succeeded)))
        #expect(did(armed.finish("b", .succeeded)) == [.startQueued("d", instant)])
        #expect(armed.machine.relayWalk(after: 0, now: armed.now, limit: 10) { _ in true }?.runs.map(\.task) == ["e"])
    }

    @Test func onlySlotsThatNeedNothingButAFreeSlotAreArmedTheOthersAreDecidedAtTheInstant() throws {
        let window = try TimeWindow.parse("Mon-Fri 09:00-17:00").get()
        var h = try harness(["a", "grouped", "low", "paused", "replacing", "running", "windowed", "z"], maxRunning: 8) {
            name, definition in
            switch name {
            case "grouped": definition.group = "g"
            case "low": definition.priority = 1
            case "replacing": definition.overlap = .replace
            case "running": definition.overlap = .allow; definition.maxInstances = 3
            case "windowed": definition.windows = [window]
            default: definition.priority = 5
            }
        }
        h.machine.setPaused("paused", true)
        _ = h.request("running")
        let slots = try #require(arm(&h, now: t0 + second / 2, canRecord: { $0 != "z" }))
        #expect(slots.runs.map(\.task) == ["a"])
        #expect(slots.starting == 1)
        _ = release(&h, at: instant)
        // The others are due at the same instant and decided by advance, behind the armed one.
        let rest = did(h.advance(to: instant))
        #expect(Set(rest) == [
            .start("grouped", .schedule, instant), .start("low", .schedule, instant), .skip("paused", instant),
            .start("replacing", .schedule, instant), .start("running", .schedule, instant),
            .skip("windowed", instant), .start("z", .schedule, instant),
        ])
    }

    @Test func nothingIsArmedWithRunsInLineARateLimitOrAnythingDueFirst() throws {
        var waitingAhead = try harness(maxRunning: 1)
        waitingAhead.advance(to: t0 + second)
        #expect(arm(&waitingAhead, at: t0 + 2 * second) == nil, "runs wait in line")

        var limited = try harness { name, definition in
            if name == "e" { definition.rateLimit = .init(runs: 5, per: minute) }
        }
        #expect(arm(&limited) == nil)

        var retrying = try harness(["a"]) { _, definition in definition.retry = RetryPolicy(attempts: 1, delay: .milliseconds(200)) }
        retrying.advance(to: instant)
        retrying.finish("a", .failed)
        let retryAt = try #require(retrying.machine.delayed.min?.at)
        #expect(retryAt < t0 + 2 * second)
        #expect(arm(&retrying, at: t0 + 2 * second) == nil, "the retry comes first")

        var h = try harness()
        #expect(arm(&h, now: instant) == nil, "the instant has come: advance decides it")
        #expect(arm(&h, at: instant + second) == nil, "not the next wake-up")
        #expect(try #require(arm(&h, limit: 3)).runs.map(\.task) == ["a", "b", "c"])
        #expect(arm(&h) == nil, "armed already")
        // The slots over the limit stay on the timer and are decided at the instant.
        _ = release(&h, at: instant)
        #expect(did(h.advance(to: instant)) == [.queue("d", instant), .queue("e", instant)])
    }

    @Test func everyEventBeforeTheInstantPutsTheSlotsBackOnTheTimer() throws {
        let events: [(String, (inout Harness) -> Void)] = [
            ("a run ends", { h in h.finish("long", .succeeded) }),
            ("a manual run", { h in _ = h.request("a") }),
            ("a request", { h in _ = h.machine.request(task: "b", trigger: .manual, force: true, context: nil, now: h.now) }),
            ("a planned run", { h in _ = h.machine.requestLater(task: "b", at: h.now + minute, context: nil) }),
            ("a cancel", { h in _ = h.machine.cancel(serial: h.running[0].serial, now: h.now) }),
            ("a pause", { h in h.machine.setPaused("c", true) }),
            ("a reload", { h in
                _ = h.machine.install(
                    try! ["a", "b", "c"].map { try definition($0, "* * * * * *") }
                        + [try! definition("long", "*/30 * * * *")],
                    maxRunning: 2, now: h.now)
            }),
            ("a clock step", { h in h.machine.clockStepped(by: -5 * second, now: h.now) }),
            ("shutdown", { h in _ = h.machine.drainQueue(reason: "shutdown") }),
        ]
        for (event, happen) in events {
            // "long" runs from a manual start at t0 (every 30 minutes: not due at the instant).
            var h = Harness(
                try ["a", "b", "c"].map { try definition($0, "* * * * * *") } + [try definition("long", "*/30 * * * *")],
                maxRunning: 2)
            _ = h.request("long")
            h.now = t0 + second / 2
            #expect(arm(&h)?.runs.map(\.task) == ["a", "b", "c"], "\(event)")
            happen(&h)
            #expect(h.machine.armedInstant == nil, "\(event) disarms")
            #expect(release(&h, at: instant) == nil, "\(event)")
            // The slots are decided at the instant as if they had never been armed.
            let actions = did(h.advance(to: instant))
            let decided = Set(actions.compactMap { action -> String? in
                switch action {
                case .start(let task, .schedule, instant), .queue(let task, instant), .skip(let task, instant): task
                default: nil
                }
            })
            #expect(decided == ["a", "b", "c"], "\(event): \(actions)")
        }
    }

    @Test func aReleaseLaterThanMaxLatenessLeavesTheSlotsToAdvanceAsMissed() throws {
        var h = try harness(["a", "b"]) { name, definition in if name == "b" { definition.maxLateness = second / 10 } }
        #expect(arm(&h, now: t0 + second / 2)?.runs.count == 2)
        #expect(release(&h, at: instant + second / 5) == nil)
        #expect(h.machine.armedInstant == nil)
        let late = did(h.advance(to: instant + second / 5))
        // b's slot is missed, and its catch-up policy (`latest`) runs it as a catch-up run.
        #expect(late == [.start("a", .schedule, instant), .start("b", .catchUp, instant)])
    }

    @Test func advanceAtTheInstantDecidesArmedSlotsThatWereNotReleased() throws {
        var h = try harness()
        _ = arm(&h, now: t0 + second / 2)
        #expect(did(h.advance(to: instant)) == [
            .start("a", .schedule, instant), .start("b", .schedule, instant), .queue("c", instant),
            .queue("d", instant), .queue("e", instant),
        ])
        #expect(h.machine.armedInstant == nil)
    }
}

/// The scheduler's side: calls made ready ahead of the instant, started by the pool the moment it comes, recorded
/// once each; and every event before the instant leaves the slots to be decided when it comes.
@Suite struct SchedulerArmingTests {
    let instant = t0 + second
    static let names = (1...30).map { "t\($0)" }

    /// Something that happens between the arming and the instant.
    enum Event: String, CaseIterable, CustomTestStringConvertible {
        case manualRun, reload, pause, shutdown
        var testDescription: String { rawValue }
    }

    /// A scheduler with 30 every-second tasks under `max_running: 3`, its clock moved 50 ms before the first slot
    /// and its slots armed.
    func armed() async throws -> (SchedulerFixture, SchedulerRelayTests.Concurrency, Task<Void, any Error>) {
        let concurrency = SchedulerRelayTests.Concurrency()
        let fixture = try SchedulerFixture(Self.names, maxRunning: 3) { _ in
            concurrency.enter()
            concurrency.leave()
        }
        let run = fixture.start()
        try await fixture.untilDispatching()
        fixture.clock.advance(to: instant - 50_000)
        await SchedulerRelayTests.until("the slots to be armed") { await fixture.scheduler.armedInstant == instant }
        return (fixture, concurrency, run)
    }

    @Test func slotsDecidedAheadStartAtTheirInstantWithinTheLimitAndOneRowEach() async throws {
        let (fixture, concurrency, run) = try await armed()
        #expect(concurrency.calls == 0, "nothing starts before the instant")
        #expect(await fixture.scheduler.load == (0, 0))
        fixture.clock.advance(to: instant)
        try await fixture.events.next(30) { if case .finished = $0 { true } else { false } }
        let claims = await fixture.scheduler.lineClaims
        #expect(claims == 27, "the runs behind the first three started by pool threads")
        #expect(concurrency.most <= 3, "never more than max_running at once: \(concurrency.most)")
        // The line settled: its rows, held for their outcomes, go to the writer now, long before their deadline (the
        // clock stays at the instant).
        await SchedulerRelayTests.until("the settled line's rows to go") { await fixture.scheduler.heldRows.isEmpty }
        run.cancel()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 100)).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        #expect(rows.map(\.task) == Self.names.sorted(), "one row per slot, in the timer's order (by name)")
        #expect(rows.map { $0.id ?? 0 } == Array(1...30))
        #expect(rows.allSatisfy { row in
            row.status == .succeeded && row.scheduledAt == instant && row.startedAt == instant
        })
        #expect(rows.prefix(3).allSatisfy { $0.queuedAt == nil })
        #expect(rows.dropFirst(3).allSatisfy { $0.queuedAt == instant }, "the others waited in line from the instant")
    }

    /// A scheduler like `armed()` whose plugin notes the test clock's time at each call, moved to half
    /// `releaseLead` before the instant: its slots are released, and pool threads wait for the instant.
    func released() async throws -> (SchedulerFixture, CallTimes, Task<Void, any Error>) {
        let calls = CallTimes()
        let fixture = try SchedulerFixture(Self.names, maxRunning: 3) { _ in calls.note() }
        calls.attach(fixture.clock)
        let run = fixture.start()
        try await fixture.untilDispatching()
        fixture.clock.advance(to: instant - 50_000)
        await SchedulerRelayTests.until("the slots to be armed") { await fixture.scheduler.armedInstant == instant }
        fixture.clock.advance(to: instant - Scheduler.releaseLead / 2)
        await SchedulerRelayTests.until("the slots to be released") { await fixture.scheduler.load == (3, 27) }
        // Give a pool thread that would call early every chance to do so.
        await SchedulerRelayTests.until("the pool's threads") { await fixture.scheduler.pool.threadCount >= 1 }
        for _ in 0..<1_000 { await Task.yield() }
        return (fixture, calls, run)
    }

    @Test func slotsReleasedAheadOfTheirInstantCallNoPluginBeforeItAndAreRecordedFromIt() async throws {
        let (fixture, calls, run) = try await released()
        #expect(calls.times.isEmpty, "released, but no plugin is called before the instant")
        #expect(await fixture.scheduler.machine.armedInstant == nil)
        let unannounced = await fixture.scheduler.active.values.filter { !$0.startAnnounced }.count
        #expect(unannounced == 3, "a start handed out ahead is announced (log line, lateness metric) once it is known")
        fixture.clock.advance(to: instant)
        let events = try await fixture.events.next(60) { event in
            switch event {
            case .started, .finished: true
            default: false
            }
        }
        let lateness = events.compactMap { if case .started(_, _, let late) = $0 { late } else { nil } }
        #expect(lateness == Array(repeating: 0, count: 30), "each start announced once, from the call's real start")
        #expect(calls.times == Array(repeating: instant, count: 30), "every call at the instant")
        #expect(await fixture.scheduler.active.isEmpty)
        // Read first, so that a failure shows the count (seen once under a heavily loaded suite, not reproduced).
        let claims = await fixture.scheduler.lineClaims
        #expect(claims == 27, "taken from the released line by pool threads")
        #expect(fixture.scheduler.relay.claimedCount == 0, "not through the relay")
        run.cancel()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 100)).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        #expect(rows.map(\.task) == Self.names.sorted(), "one row per slot")
        #expect(rows.allSatisfy { row in
            row.status == .succeeded && row.scheduledAt == instant && row.startedAt == instant
        })
        #expect(rows.dropFirst(3).allSatisfy { $0.queuedAt == instant })
    }

    @Test func aShutdownWhileReleasedRunsWaitForTheirInstantCallsNoPlugin() async throws {
        let (fixture, calls, run) = try await released()
        run.cancel()
        try await run.value
        // The instant comes after the stop request: the waiting threads see the request, not the instant.
        fixture.clock.advance(to: instant + second)
        for _ in 0..<1_000 { await Task.yield() }
        #expect(calls.times.isEmpty, "no plugin called")
        let started = fixture.events.waiting.filter { if case .started = $0 { true } else { false } }
        #expect(started.isEmpty, "a run whose plugin was never called is never announced as started")
        let rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.count == 30)
        #expect(rows.allSatisfy { $0.status == .cancelled || $0.status == .interrupted })
        #expect(rows.filter { $0.status == .cancelled && $0.queuedAt != nil }.count == 27)
    }

    /// A scheduler like `armed()` whose first run at the instant (`t1`) waits for `gate`, moved to the instant and
    /// past the other 29 runs' ends: the line is not settled, so the instant's rows are held.
    func heldByOneRun() async throws -> (SchedulerFixture, Gate, Task<Void, any Error>) {
        let gate = Gate()
        let fixture = try SchedulerFixture(Self.names, maxRunning: 3) { request in
            if request.taskName == "t1" { gate.wait() }
        }
        let run = fixture.start()
        try await fixture.untilDispatching()
        fixture.clock.advance(to: instant - 50_000)
        await SchedulerRelayTests.until("the slots to be armed") { await fixture.scheduler.armedInstant == instant }
        fixture.clock.advance(to: instant)
        try await fixture.events.next(29) { if case .finished = $0 { true } else { false } }
        await fixture.scheduler.recorder.flush()
        let held = await fixture.scheduler.heldRows.map(\.records.count)
        #expect(held == [30], "the instant's rows are held for t1's outcome")
        #expect(try await fixture.history.runs(RunQuery(limit: 100)).isEmpty, "none is written yet")
        return (fixture, gate, run)
    }

    @Test func anInstantsRowsWaitForItsLastRunAtMostReleasedRowsWaitThenGoAsTheyStand() async throws {
        let (fixture, gate, run) = try await heldByOneRun()
        fixture.clock.advance(to: instant + Scheduler.releasedRowsWait - 1)
        for _ in 0..<1_000 { await Task.yield() }
        #expect(await fixture.scheduler.heldRows.count == 1, "not before the deadline")
        fixture.clock.advance(to: instant + Scheduler.releasedRowsWait)
        await SchedulerRelayTests.until("the rows to go") { await fixture.scheduler.heldRows.isEmpty }
        await fixture.scheduler.recorder.flush()
        var rows = try await fixture.history.runs(RunQuery(limit: 100)).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        #expect(rows.map(\.task) == Self.names.sorted(), "every row, as it stands")
        #expect(rows.map(\.status) == [.running] + Array(repeating: .succeeded, count: 29))
        #expect(rows.allSatisfy { $0.startedAt == instant })
        gate.open()
        try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        run.cancel()
        try await run.value
        rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.count == 30 && rows.allSatisfy { $0.status == .succeeded }, "the last outcome came as an update")
    }

    @Test func aRowWrittenWhileAnInstantsRowsAreHeldFollowsThemInItsTasksChain() async throws {
        let (fixture, gate, run) = try await heldByOneRun()
        #expect(await fixture.scheduler.trigger(task: "t2"))
        try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        #expect(await fixture.scheduler.heldRows.isEmpty, "the held rows went first: a task's rows are written in order")
        await fixture.scheduler.recorder.flush()
        let chain = try await fixture.history.runs(RunQuery(task: "t2", limit: 10))
        #expect(chain.map(\.trigger) == [.manual, .schedule], "newest first")
        #expect(chain.first?.id == 31 && chain.last?.scheduledAt == instant)
        gate.open()
        try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        run.cancel()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.count == 31 && rows.allSatisfy { $0.status == .succeeded })
    }

    @Test func aShutdownWritesTheHeldRowsWithTheOutcomeItGaveTheirRuns() async throws {
        let (fixture, gate, run) = try await heldByOneRun()
        // A cancelled scheduler cannot wait out the grace period: it abandons t1 at once.
        run.cancel()
        try await run.value
        gate.open()
        #expect(await fixture.scheduler.heldRows.isEmpty)
        let rows = try await fixture.history.runs(RunQuery(limit: 100)).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        #expect(rows.map(\.task) == Self.names.sorted(), "every held row written before the scheduler returned")
        #expect(rows.dropFirst().allSatisfy { $0.status == .succeeded })
        #expect(rows.first?.status == .interrupted && rows.first?.error?.hasPrefix("abandoned at shutdown") == true)
    }

    @Test(arguments: Event.allCases)
    func anEventBeforeTheInstantLeavesItsSlotsToBeDecidedWhenItComes(_ event: Event) async throws {
        let (fixture, concurrency, run) = try await armed()
        let scheduler = fixture.scheduler
        switch event {
        case .manualRun:
            #expect(await scheduler.trigger(task: "t1"))
            try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        case .reload:
            let running = await scheduler.generation
            await scheduler.apply(Generation(
                number: 2, config: running.config, catalog: running.catalog, tasks: running.tasks, dropped: []))
        case .pause:
            #expect(await scheduler.setPaused(task: "t2", true))
        case .shutdown:
            run.cancel()
            try await run.value
            #expect(try await fixture.history.runs(RunQuery(limit: 100)).isEmpty, "the slots were not due yet")
            #expect(concurrency.calls == 0)
            return
        }
        #expect(await scheduler.machine.armedInstant == nil)
        fixture.clock.advance(to: instant)
        try await fixture.events.next(30) { if case .finished = $0 { true } else { false } }
        run.cancel()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 100)).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        let slots = rows.filter { $0.scheduledAt == instant && $0.trigger == .schedule }
        #expect(slots.map(\.task).sorted() == Self.names.sorted(), "each slot once")
        #expect(rows.map { $0.id ?? 0 } == Array(1...Int64(rows.count)), "the ids handed to the armed calls were given back")
        #expect(concurrency.most <= 3)
        switch event {
        case .manualRun:
            #expect(rows.count == 31)
            #expect(rows[0].task == "t1" && rows[0].trigger == .manual)
            #expect(slots.allSatisfy { $0.status == .succeeded })
        case .pause:
            #expect(slots.filter { $0.status == .skipped }.map(\.task) == ["t2"])
            #expect(slots.filter { $0.status == .succeeded }.count == 29)
        default:
            #expect(slots.allSatisfy { $0.status == .succeeded })
        }
    }
}

/// The test clock's time at each plugin call.
final class CallTimes: Sendable {
    private let state = Mutex<(clock: TestClock?, times: [Micros])>((nil, []))

    func attach(_ clock: TestClock) { state.withLock { $0.clock = clock } }
    func note() { state.withLock { $0.times.append($0.clock!.now()) } }
    var times: [Micros] { state.withLock { $0.times } }
}
