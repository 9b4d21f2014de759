import Config
import Cron
import Foundation
@testable import History
import Logging
@testable import PluginHost
@testable import Scheduling
import Synchronization
import Testing

/// Which waiting runs the state machine lets pool threads start by themselves (`relayWalk`), and how a start made
/// that way is counted (`adoptRelayed`).
@Suite struct RelayWalkTests {
    /// Five tasks due together under `max_running: 1`: one starts, four wait for the slot.
    func lineOfFive(_ configure: (String, inout TaskDefinition) -> Void = { _, _ in }) throws -> Harness {
        let definitions = try ["a", "b", "c", "d", "e"].map { name in try definition(name) { configure(name, &$0) } }
        var h = Harness(definitions, maxRunning: 1)
        h.advance(to: t0 + minute)
        return h
    }

    func walk(_ h: inout Harness, after cursor: UInt64 = 0, limit: Int = 100, recorded: Set<String>? = nil)
        -> SchedulerStateMachine.RelayWalk?
    {
        let names = Dictionary(uniqueKeysWithValues: h.machine.waiting.map { ($0.run.serial, $0.run.task) })
        return h.machine.relayWalk(after: cursor, now: h.now, limit: limit) { serial in
            recorded.map { $0.contains(names[serial] ?? "") } ?? true
        }
    }

    @Test func runsWaitingOnlyForAFreeSlotAreOfferedInLineOrder() throws {
        var h = try lineOfFive()
        #expect(h.running.map(\.task) == ["a"])
        let first = try #require(walk(&h))
        #expect(first.runs.map(\.task) == ["b", "c", "d", "e"])
        #expect(first.heldBackTasks.isEmpty)
        #expect(first.validUntil > h.now)
        // The next walk resumes after the last run looked at: nothing new, nothing offered twice.
        #expect(try #require(walk(&h, after: first.cursor)).runs.isEmpty)
        // A limit takes the front of the line; the rest comes with the next walk.
        let two = try #require(walk(&h, limit: 2))
        #expect(two.runs.map(\.task) == ["b", "c"])
        #expect(try #require(walk(&h, after: two.cursor)).runs.map(\.task) == ["d", "e"])
    }

    @Test func theWalkStopsAtARunWhoseQueuedRowIsNotMadeYetAndResumesThere() throws {
        var h = try lineOfFive()
        let partial = try #require(walk(&h, recorded: ["b", "c"]))
        #expect(partial.runs.map(\.task) == ["b", "c"])
        #expect(try #require(walk(&h, after: partial.cursor)).runs.map(\.task) == ["d", "e"])
    }

    @Test func aRunOnlyTheSchedulerMayStartIsABarrierForEverythingBehindIt() throws {
        // c is in a group with room: it starts as soon as the slot frees, so d and e must not overtake it.
        var h = try lineOfFive { name, definition in if name == "c" { definition.group = "g" } }
        h.machine.groupLimits = ["g": 1]
        let stopped = try #require(walk(&h))
        #expect(stopped.runs.map(\.task) == ["b"])
        #expect(try #require(walk(&h, after: stopped.cursor)).runs.isEmpty, "still in front of c")
        // Once the scheduler has started c, the walk goes on behind it.
        h.finish("a", .succeeded)
        h.finish("b", .succeeded)
        #expect(h.running.map(\.task) == ["c"])
        #expect(try #require(walk(&h, after: stopped.cursor)).runs.map(\.task) == ["d", "e"])
    }

    @Test func runsHeldBackByTheirGroupAreSkippedAsStartWaitingSkipsThem() throws {
        var h = try lineOfFive { name, definition in if name == "b" || name == "c" { definition.group = "g" } }
        h.machine.groupLimits = ["g": 0]
        #expect(try #require(walk(&h)).runs.map(\.task) == ["d", "e"])
    }

    @Test func aRunWaitingForItsTasksPreviousRunKeepsThatTasksSlot() throws {
        // a runs and its next run waits for it (overlap: queue); b and c wait for a free slot.
        var h = Harness(
            [try definition("a", "* * * * * *") { $0.overlap = .queue }, try definition("b", "* * * * * *"),
             try definition("c", "* * * * * *")],
            maxRunning: 1)
        h.advance(to: t0 + second)
        #expect(h.running.map(\.task) == ["a"])
        h.advance(to: t0 + 2 * second)
        let walked = try #require(walk(&h))
        #expect(walked.runs.map(\.task) == ["b", "c"])
        #expect(walked.heldBackTasks == ["a"], "a's end goes to the scheduler: its slot is a's waiting run's")
    }

    @Test func onlyRunsOfTheTopPriorityAreOffered() throws {
        var h = try lineOfFive { name, definition in if name == "c" { definition.priority = 9 } }
        #expect(try #require(walk(&h)).runs.map(\.task) == ["c"])
    }

    @Test func tasksWithARateLimitOrOverlapReplaceAreNeverOffered() throws {
        var replace = try lineOfFive { name, definition in if name == "b" { definition.overlap = .replace } }
        #expect(try #require(walk(&replace)).runs.isEmpty, "b (replace) starts first, by the scheduler")
        var limited = try lineOfFive { name, definition in
            if name == "e" { definition.rateLimit = TaskDefinition.Limit(runs: 10, per: minute) }
        }
        #expect(walk(&limited) == nil, "with a rate limit anywhere, the scheduler starts every run itself")
    }

    @Test func nothingIsOfferedOnceARunIsOverdueAndOffersExpireWhenOneMayBe() throws {
        var h = try lineOfFive { _, definition in definition.maxWait = 10 * second }
        let walked = try #require(walk(&h))
        #expect(walked.validUntil == h.now + 10 * second)
        h.now += 11 * second
        #expect(walk(&h) == nil, "an overdue run goes first, whatever its place: the scheduler picks")
    }

    @Test func aRelayedStartCountsFromItsOwnInstantAndLeavesTheLine() throws {
        var h = try lineOfFive { _, definition in definition.timeout = 30 * second }
        let b = try #require(walk(&h)?.runs.first)
        h.machine.adoptRelayed(b, at: h.now + 5)
        #expect(h.machine.runningCount == 2, "counted before the end that made room for it arrives")
        #expect(h.machine.queuedCount == 3)
        #expect(h.machine.runningRuns[b.serial]?.deadline == h.now + 5 + 30 * second)
        // a's end: the slot b took is not given to anyone else.
        let actions = h.finish("a", .succeeded)
        #expect(actions.isEmpty)
        #expect(h.machine.runningCount == 1)
    }

    @Test func aRelayedStartOfARunTheMachineStartedOrDroppedMeanwhileIsCountedOnce() throws {
        var h = try lineOfFive()
        let offered = try #require(walk(&h)).runs
        // The machine starts b itself (a ended) before the relay's start of b arrives: b is not counted twice.
        h.finish("a", .succeeded)
        #expect(h.running.map(\.task) == ["b"])
        h.machine.adoptRelayed(offered[0], at: h.now + 7)
        #expect(h.machine.runningCount == 1)
        // c is dropped (an operator's cancel) after a pool thread started it: it is running, and counted so.
        let dropped = h.machine.cancel(serial: offered[1].serial, now: h.now)
        #expect(dropped.count == 1)
        h.machine.adoptRelayed(offered[1], at: h.now + 8)
        #expect(h.machine.runningCount == 2)
        #expect(h.machine.queuedCount == 2)
        #expect(h.machine.activeRuns(of: "c") == 1)
    }
}

/// The relay's own rules: claims in order, a held-back task's slot is not taken, expired offers are not taken,
/// and an offer is either withdrawn or claimed, never both.
@Suite struct RunRelayTests {
    func offers(_ names: [String]) throws -> [RunRelay.Offer] {
        try names.enumerated().map { index, name in
            RunRelay.Offer(try PreparedCall.fixture(name, serial: UInt64(index + 1)))
        }
    }

    let ok = RunCompletion.returned(RunResult(status: .ok, message: "", output: nil))

    @Test func endsTakeOffersInOrderAndTheLoopGetsEachClaimBeforeAnyEnd() throws {
        let relay = RunRelay()
        #expect(relay.publish(try offers(["b", "c"]), heldBackTasks: [], validUntil: t0 + second, now: t0).isEmpty)
        #expect(relay.end(.init(100, ok, t0), slotOf: "a", now: t0 + 1)?.offer.call.run.task == "b")
        #expect(relay.end(.init(1, ok, t0), slotOf: "b", now: t0 + 2)?.offer.call.run.task == "c")
        #expect(relay.end(.init(2, ok, t0), slotOf: "c", now: t0 + 3) == nil)
        let taken = relay.take()
        #expect(taken.claims.map(\.offer.call.run.task) == ["b", "c"])
        #expect(taken.claims.map(\.startedAt) == [t0 + 1, t0 + 2])
        #expect(taken.ends.map(\.serial) == [100, 1, 2])
        #expect(relay.take().claims.isEmpty)
        #expect(relay.claimedCount == 2)
    }

    @Test func theSlotOfAHeldBackTaskIsNotTakenAndExpiredOffersAreNot() throws {
        let relay = RunRelay()
        _ = relay.publish(try offers(["b"]), heldBackTasks: ["q"], validUntil: t0 + second, now: t0)
        #expect(relay.end(.init(100, ok, t0), slotOf: "q", now: t0) == nil, "q's end frees the slot of q's own waiting run")
        #expect(relay.end(.init(101, ok, t0), slotOf: "a", now: t0 + second + 1) == nil, "expired: a run may be overdue")
        #expect(relay.end(.init(102, ok, t0), slotOf: "a", now: t0 + second)?.offer.call.run.task == "b")
        #expect(relay.take().ends.map(\.serial) == [100, 101, 102], "every end reaches the loop")
    }

    @Test func aSlotLeftWithNothingToTakeGoesToTheNextOffer() throws {
        let relay = RunRelay()
        #expect(relay.end(.init(100, ok, t0), slotOf: "a", now: t0) == nil)
        #expect(relay.end(.init(101, ok, t0), slotOf: "q", now: t0) == nil)
        let claims = relay.publish(try offers(["b", "c"]), heldBackTasks: ["q"], validUntil: t0 + second, now: t0 + 5)
        #expect(claims.map(\.offer.call.run.task) == ["b"], "one idle slot (a's); q's end went to the loop first")
        #expect(claims.map(\.startedAt) == [t0 + 5])
        #expect(relay.openOffers == 1)
        // Once the loop has taken the ends, their slots are the state machine's to give away.
        #expect(relay.take().ends.count == 2)
        #expect(relay.end(.init(102, ok, t0), slotOf: "a", now: t0 + 6)?.offer.call.run.task == "c")
        #expect(relay.publish([], heldBackTasks: [], validUntil: t0 + second, now: t0 + 7).isEmpty)
    }

    /// Runs that note the test clock's time when they are called.
    struct ClockNotingExecutor: RunExecutor {
        let times: CallTimes
        func execute(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger) -> RunCompletion {
            times.note()
            return .returned(RunResult(status: .ok, message: "", output: nil))
        }
    }

    @Test func aPoolThreadThatTakesAnOfferAheadOfItsSlotWaitsForTheSlotsInstant() async throws {
        let clock = TestClock(t0)
        let times = CallTimes()
        times.attach(clock)
        let instant = t0 + Scheduler.releaseLead / 2
        func call(_ name: String, serial: UInt64, at slot: Micros) throws -> PreparedCall {
            try PreparedCall.fixture(name, serial: serial, at: slot, executor: ClockNotingExecutor(times: times))
        }
        // A run of the next instant offered without that instant (as when a reload withdrew the released offers
        // and the line was offered again): the relay hands it to the first thread whose run ends.
        let relay = RunRelay()
        _ = relay.publish(
            [RunRelay.Offer(try call("b", serial: 2, at: instant))], heldBackTasks: [], validUntil: t0 + second,
            now: t0)
        let body = Scheduler.callRelaying(relay: relay, clock: clock, endedRuns: EndedRuns(), doorbell: Doorbell())
        let first = try call("a", serial: 1, at: t0)
        BlockingThreadPool(name: "test").submit { body(first, t0) }
        await SchedulerRelayTests.until("a's call") { times.times.count == 1 }
        await SchedulerRelayTests.until("b's claim") { relay.claimedCount == 1 }
        for _ in 0..<1_000 { await Task.yield() }
        #expect(times.times == [t0], "b is taken, but not called before its slot")
        clock.advance(to: instant)
        await SchedulerRelayTests.until("b's call") { times.times.count == 2 }
        #expect(times.times == [t0, instant])
        var ends: [RunRelay.End] = []
        await SchedulerRelayTests.until("both ends") {
            ends += relay.take().ends
            return ends.count == 2
        }
        #expect(ends.map(\.startedAt) == [t0, instant], "b's end says when its call began")
    }

    @Test func anOfferIsEitherWithdrawnOrClaimedNeverBoth() throws {
        let relay = RunRelay()
        let made = try offers(["b", "c", "d"])
        _ = relay.publish(made, heldBackTasks: ["q"], validUntil: t0 + second, now: t0)
        #expect(relay.withdraw(made[1]))
        #expect(relay.end(.init(100, ok, t0), slotOf: "a", now: t0)?.offer.call.run.task == "b")
        #expect(!relay.withdraw(made[0]), "claimed already: it runs")
        #expect(relay.end(.init(101, ok, t0), slotOf: "a", now: t0)?.offer.call.run.task == "d", "c was withdrawn")
        // Withdrawing everything hands over the claims and ends not yet taken, and forgets the held-back tasks.
        _ = relay.publish(try offers(["e"]), heldBackTasks: [], validUntil: t0 + second, now: t0)
        let taken = relay.revokeAll()
        #expect(taken.claims.map(\.offer.call.run.task) == ["b", "d"])
        #expect(taken.ends.map(\.serial) == [100, 101])
        #expect(relay.openOffers == 0)
        #expect(relay.end(.init(102, ok, t0), slotOf: "a", now: t0) == nil)
    }
}

/// The scheduler with the relay, end to end over a real (in-memory) history and real pool threads.
@Suite struct SchedulerRelayTests {
    /// Counts calls in flight and the most seen at once.
    final class Concurrency: Sendable {
        private let state = Mutex((now: 0, most: 0, calls: 0, returned: 0))
        func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.calls += 1 } }
        func leave() { state.withLock { $0.now -= 1; $0.returned += 1 } }
        var most: Int { state.withLock { $0.most } }
        var calls: Int { state.withLock { $0.calls } }
        var returned: Int { state.withLock { $0.returned } }
    }

    /// Waits (yielding, never sleeping) until `condition` holds.
    static func until(_ what: String, _ condition: () async -> Bool) async {
        for _ in 0..<2_000_000 {
            if await condition() { return }
            await Task.yield()
        }
        Issue.record("timed out waiting for \(what)")
    }

    /// A line held up behind `maxRunning` gated calls: the scheduler started, the first slot due, and every waiting
    /// run offered. The calls return once `gate` opens.
    struct GatedLine {
        let fixture: SchedulerFixture
        let gate = Gate()
        let concurrency = Concurrency()
        let run: Task<Void, any Error>

        init(_ names: [String], maxRunning: Int) async throws {
            let (gate, concurrency) = (self.gate, self.concurrency)
            fixture = try SchedulerFixture(names, maxRunning: maxRunning) { _ in
                concurrency.enter()
                gate.wait()
                concurrency.leave()
            }
            run = fixture.start()
            try await fixture.untilDispatching()
            fixture.clock.advance(to: t0 + second)
            await SchedulerRelayTests.until("\(names.count - maxRunning) offers") { [relay = fixture.scheduler.relay] in
                relay.openOffers == names.count - maxRunning
            }
        }
    }

    @Test func aLineBehindTheGlobalLimitIsStartedByPoolThreadsWithinTheLimitAndRecordedOnce() async throws {
        // Two runs hold the slots; the other 198 are queued and offered before either returns.
        let line = try await GatedLine((1...200).map { "t\($0)" }, maxRunning: 2)
        let (fixture, concurrency) = (line.fixture, line.concurrency)
        defer { line.gate.open() }
        line.gate.open()
        try await fixture.events.next(200) { if case .finished = $0 { true } else { false } }
        #expect(fixture.scheduler.relay.claimedCount == 198, "every waiting run was started by a pool thread")
        #expect(concurrency.most <= 2, "never more than max_running at once: \(concurrency.most)")
        line.run.cancel()
        try await line.run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 1000))
        #expect(rows.count == 200)
        #expect(Set(rows.map(\.task)).count == 200, "one row per task's slot")
        #expect(rows.allSatisfy { $0.status == .succeeded && $0.startedAt != nil && $0.finishedAt != nil })
        #expect(rows.filter { $0.queuedAt != nil }.count == 198)
        #expect(rows.allSatisfy { ($0.startedAt ?? 0) >= $0.scheduledAt && ($0.queuedAt ?? 0) <= ($0.startedAt ?? 0) })
        #expect(concurrency.calls == 200)
    }

    @Test func offeredRunsNeverStartOnceShutdownBeginsAndAreRecordedCancelled() async throws {
        let line = try await GatedLine((1...50).map { "t\($0)" }, maxRunning: 2)
        let (fixture, concurrency) = (line.fixture, line.concurrency)
        defer { line.gate.open() }
        line.run.cancel()  // shutdown: the offers are withdrawn, the two running runs abandoned
        try await line.run.value
        line.gate.open()
        await Self.until("both calls to return") { concurrency.returned == 2 }
        #expect(concurrency.calls == 2, "no offered run was called after shutdown")
        #expect(fixture.scheduler.relay.claimedCount == 0)
        let rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.count == 50)
        #expect(rows.filter { $0.status == .cancelled }.count == 48)
        #expect(rows.filter { $0.status == .cancelled }.allSatisfy {
            $0.error == "daemon shutting down before the run could start"
        })
        #expect(rows.filter { $0.status == .interrupted }.count == 2)
    }

    @Test func aReloadWithdrawsTheOffersAndTheLineGoesOnUnderTheNewGenerationWithOneRowEach() async throws {
        let line = try await GatedLine((1...20).map { "t\($0)" }, maxRunning: 2)
        let (fixture, concurrency) = (line.fixture, line.concurrency)
        defer { line.gate.open() }
        let running = await fixture.scheduler.generation
        await fixture.scheduler.apply(Generation(
            number: 2, config: running.config, catalog: running.catalog, tasks: running.tasks, dropped: []))
        #expect(fixture.scheduler.relay.openOffers == 0, "withdrawn before the new task set is installed")
        // The loop offers the line again at its next turn, under generation 2.
        await Self.until("18 offers again") { [relay = fixture.scheduler.relay] in relay.openOffers == 18 }
        line.gate.open()
        try await fixture.events.next(20) { if case .finished = $0 { true } else { false } }
        #expect(fixture.scheduler.relay.claimedCount == 18)
        #expect(concurrency.most <= 2)
        line.run.cancel()
        try await line.run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.count == 20)
        #expect(Set(rows.map(\.task)).count == 20)
        #expect(rows.allSatisfy { $0.status == .succeeded })
    }

    @Test func aManualRunOrAPauseLeavesTheOffersAndTheWaitingRunsAsTheyAre() async throws {
        let line = try await GatedLine(["t1", "t2", "t3", "t4", "t5"], maxRunning: 1)
        let (fixture, concurrency) = (line.fixture, line.concurrency)
        defer { line.gate.open() }
        // t3 waits already: the manual run is skipped (overlap: skip); a pause only concerns t4's future slots.
        let revocations = fixture.scheduler.relay.revocations
        #expect(await fixture.scheduler.trigger(task: "t3"))
        #expect(await fixture.scheduler.setPaused(task: "t4", true))
        #expect(fixture.scheduler.relay.revocations == revocations, "nothing withdrawn")
        line.gate.open()
        try await fixture.events.next(6) { if case .finished = $0 { true } else { false } }
        #expect(fixture.scheduler.relay.claimedCount == 4)
        line.run.cancel()
        try await line.run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.filter { $0.status == .succeeded }.count == 5, "t4's waiting run still ran")
        #expect(rows.filter { $0.status == .skipped }.map(\.task) == ["t3"])
        #expect(concurrency.most <= 1)
    }

    @Test func anOperatorCancelsAnOfferedRunAndItIsNeverCalled() async throws {
        let line = try await GatedLine(["a", "b", "c"], maxRunning: 1)
        let (fixture, concurrency, gate, run) = (line.fixture, line.concurrency, line.gate, line.run)
        defer { gate.open() }
        let queued = await fixture.scheduler.snapshot().queued
        #expect(queued.map(\.task) == ["b", "c"])
        #expect(await fixture.scheduler.cancel(runID: queued[0].id) == .dropped)
        #expect(fixture.scheduler.relay.openOffers == 0, "every offer withdrawn before the machine acts")
        gate.open()
        try await fixture.events.next(3) { if case .finished = $0 { true } else { false } }
        run.cancel()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 10))
        #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0.task, $0.status) })
            == ["a": .succeeded, "b": .cancelled, "c": .succeeded])
        #expect(concurrency.calls == 2)
    }
}
