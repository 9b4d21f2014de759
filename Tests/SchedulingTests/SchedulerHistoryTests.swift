import Config
import Cron
import Foundation
@testable import History
import HousekeeperPlugin
import Logging
@testable import PluginHost
@testable import Scheduling
import ServiceLifecycle
import Synchronization
import Telemetry
import Testing

/// The scheduler actor against a real (in-memory) history, with a clock the test moves by hand: rows are queued
/// to a group-committing writer instead of awaited, and still every run gets exactly one row and its outcome.
@Suite struct SchedulerHistoryTests {
    @Test func everyRunHasExactlyOneRowWithItsOutcomeOnceTheSchedulerReturns() async throws {
        let fixture = try SchedulerFixture(["a", "b", "c"], maxRunning: 1)
        let run = fixture.start()
        try await fixture.untilDispatching()
        for slot in 1...5 {
            fixture.clock.advance(to: t0 + Micros(slot) * second)
            try await fixture.events.next(3) { if case .finished = $0 { true } else { false } }
        }
        run.cancel()
        try await run.value
        #expect(await fixture.scheduler.recorder.pendingChanges == 0, "everything queued is committed by the return")
        let rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.count == 15)
        #expect(rows.allSatisfy { $0.status == .succeeded && $0.startedAt != nil && $0.finishedAt != nil })
        #expect(Set(rows.map { "\($0.task)@\($0.scheduledAt)" }).count == 15, "one row per slot")
        #expect(Set(rows.compactMap(\.id)).count == 15, "ids handed out in memory never collide")
        #expect(rows.filter { $0.queuedAt != nil }.count == 10, "two of three waited for max_running: 1 each second")
    }

    /// The loop's wake-up timer is kept across turns: runs ending one after another while the next wake-up stays
    /// where it is cost no new clock sleep each (it was a timer and two child tasks per turn); it still rings at
    /// its instant, and the loop sets the next one after it.
    @Test func theWakeUpTimerIsKeptAcrossLoopTurnsAndSetAgainAfterItRings() async throws {
        // Due at midnight on 1 January only: the loop's next wake-up stays there while manual runs come and go.
        let fixture = try SchedulerFixture(["yearly"], maxRunning: 1, schedule: "0 0 0 1 1 *")
        let run = fixture.start()
        try await fixture.untilDispatching()
        for _ in 1...20 {
            #expect(await fixture.scheduler.trigger(task: "yearly"))
            try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        }
        let sleeps = fixture.clock.sleepCalls
        #expect(sleeps <= 2, "one alarm for the whole time, not one per turn: \(sleeps)")
        // The kept alarm rings at the slot, and the loop sets the next one (a year on) after it.
        let slot = try #require(await fixture.scheduler.nextFire(of: "yearly"))
        fixture.clock.advance(to: slot)
        let started = try await fixture.events.next(1) { if case .started = $0 { true } else { false } }
        #expect(started.count == 1)
        try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        #expect(await fixture.scheduler.nextFire(of: "yearly") ?? 0 > slot)
        // The loop sets it when it next waits, which may come a moment after the run's event.
        var looks = 0
        while fixture.clock.sleepCalls == sleeps, looks < 1_000_000 {
            await Task.yield()
            looks += 1
        }
        #expect(fixture.clock.sleepCalls > sleeps, "a new alarm for the next slot")
        run.cancel()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 100))
        #expect(rows.count == 21 && rows.allSatisfy { $0.status == .succeeded })
        #expect(rows.filter { $0.trigger == .schedule }.map(\.scheduledAt) == [slot])
    }

    @Test func aRunAbandonedAtShutdownIsStillRecordedInterrupted() async throws {
        let gate = Gate()
        let fixture = try SchedulerFixture(["slow"], maxRunning: 1) { _ in gate.wait() }
        defer { gate.open() }
        let run = fixture.start()
        try await fixture.untilDispatching()
        fixture.clock.advance(to: t0 + second)
        try await fixture.events.next(1) { if case .started = $0 { true } else { false } }
        run.cancel()  // the plugin ignores should_stop: the drain gives up on it at once
        try await run.value
        #expect(await fixture.scheduler.recorder.pendingChanges == 0, "the outcome is committed by the return")
        let rows = try await fixture.history.runs(RunQuery(limit: 10))
        #expect(rows.count == 1)
        #expect(rows.first?.status == .interrupted)
        #expect(rows.first?.error?.contains("abandoned at shutdown") == true)
    }

    @Test func aRunThatStopsAtShutdownIsRecordedCancelledAndSaysWhy() async throws {
        let fixture = try SchedulerFixture(["polite"], maxRunning: 1) { _, control in
            while !control.isStopRequested { sched_yield() }
            return .returned(RunResult(status: .cancelled, message: "", output: nil))
        }
        // A graceful shutdown (SIGTERM), not a cancellation: running runs get should_stop and the grace period.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [fixture.scheduler], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        await fixture.scheduler.observe { [events = fixture.events] in events.push($0) }
        let run = Task { try await group.run() }
        try await fixture.untilDispatching()
        fixture.clock.advance(to: t0 + second)
        try await fixture.events.next(1) { if case .started = $0 { true } else { false } }
        await group.triggerGracefulShutdown()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 10))
        #expect(rows.map(\.status) == [.cancelled])
        #expect(rows.first?.error == "stopped on request (the daemon is shutting down)")
    }

    @Test func aSlotTakenInHistoryBeforeStartIsRefusedAndLaterSlotsRun() async throws {
        let fixture = try SchedulerFixture(["a"], maxRunning: 1)
        let taken = try #require(try await fixture.history.insert(RunRecord(
            task: "a", plugin: "p", trigger: .schedule, scheduledAt: t0 + 2 * second, startedAt: t0,
            finishedAt: t0, status: .failed, error: "an earlier daemon")))
        let run = fixture.start()
        try await fixture.untilDispatching()
        fixture.clock.advance(to: t0 + second)
        try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        fixture.clock.advance(to: t0 + 2 * second)  // the taken slot: no run, no second row
        fixture.clock.advance(to: t0 + 3 * second)
        let third = try await fixture.events.next(1) { if case .started = $0 { true } else { false } }
        try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        run.cancel()
        try await run.value
        let rows = try await fixture.history.runs(RunQuery(limit: 10)).sorted { $0.scheduledAt < $1.scheduledAt }
        #expect(rows.map(\.scheduledAt) == [t0 + second, t0 + 2 * second, t0 + 3 * second])
        #expect(rows[1] == taken, "the earlier daemon's row is left as it was")
        #expect(rows[0].status == .succeeded && rows[2].status == .succeeded)
        #expect(rows.allSatisfy { $0.id! <= rows[2].id! }, "new ids continue after the existing ones")
        guard case .started(_, let id, _) = third.first else { return }
        #expect(id == rows[2].id && id != taken.id)
    }

    @Test func aRequestedRunsRowCanBeReadAsSoonAsItsIDIsReturned() async throws {
        let gate = Gate()
        let fixture = try SchedulerFixture(["a"], maxRunning: 1, schedule: nil) { _ in gate.wait() }
        defer { gate.open() }
        let run = fixture.start()
        try await fixture.untilDispatching()
        guard case .decided(let decision) = await fixture.scheduler.requestRun(task: "a") else {
            Issue.record("the request was not decided")
            return
        }
        let row = try await fixture.history.run(id: decision.id)
        #expect(row?.status == .running)
        #expect(row?.trigger == .manual)
        gate.open()
        try await fixture.events.next(1) { if case .finished = $0 { true } else { false } }
        run.cancel()
        try await run.value
        #expect(try await fixture.history.run(id: decision.id)?.status == .succeeded)
    }
}

@Suite struct RunLogLineTests {
    /// The `info` lines a scheduler wrote for one slot of a task that succeeds and one that fails.
    func infoLines(_ runs: LogSettings.Runs) async throws -> [String] {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "test") { label in
            var handler = TextLogHandler(label: label, sink: LogLineSink { line in lines.withLock { $0.append(line) } })
            handler.logLevel = .info
            return handler
        }
        let fixture = try SchedulerFixture(["fine", "broken"], maxRunning: 2, log: LogSettings(runs: runs), logger: logger) {
            request, _ in
            .returned(RunResult(status: request.taskName == "fine" ? .ok : .error, message: "no disk", output: nil))
        }
        let run = fixture.start()
        try await fixture.untilDispatching()
        fixture.clock.advance(to: t0 + second)
        try await fixture.events.next(2) { if case .finished = $0 { true } else { false } }
        run.cancel()
        try await run.value
        return lines.withLock { $0 }.filter { $0.contains("run.") }
    }

    @Test func everyRunIsLoggedByDefault() async throws {
        let lines = try await infoLines(.all)
        #expect(lines.filter { $0.hasSuffix("run.started\n") }.count == 2)
        // The start line names its run like the plugin's own lines do.
        #expect(lines.filter {
            $0.hasSuffix("run.started\n") && $0.contains("task.name=fine") && $0.contains("run.id=")
                && $0.contains("plugin.name=") && $0.contains("lateness.us=")
        }.count == 1)
        #expect(lines.filter { $0.contains(" info ") && $0.contains("task.name=fine") && $0.hasSuffix("run.finished\n") }.count == 1)
        #expect(lines.filter { $0.contains(" warning ") && $0.contains("task.name=broken") && $0.contains("no disk") }.count == 1)
    }

    @Test func withRunsFailuresOnlyTheFailedRunIsLogged() async throws {
        let lines = try await infoLines(.failures)
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains(" warning ") == true && lines.first?.contains("task.name=broken") == true)
        #expect(lines.first?.contains("error=no disk") == true)
    }
}

// MARK: - Fixture

/// A scheduler over an in-memory history with tasks whose plugin calls `body` (on a pool thread).
struct SchedulerFixture {
    let history: HistoryStore
    let clock: TestClock
    let scheduler: Scheduler
    let events: EventLine

    init(
        _ names: [String], maxRunning: Int, schedule: String? = "* * * * * *",
        body: @escaping @Sendable (RunRequest) -> Void = { _ in }
    ) throws {
        try self.init(names, maxRunning: maxRunning, schedule: schedule) { request, _ in
            body(request)
            return .returned(RunResult(status: .ok, message: "", output: nil))
        }
    }

    init(
        _ names: [String], maxRunning: Int, schedule: String? = "* * * * * *", log: LogSettings = LogSettings(),
        logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        run: @escaping @Sendable (RunRequest, RunControl) -> RunCompletion
    ) throws {
        history = try HistoryStore.inMemory()
        clock = TestClock(t0 + second / 2)
        var config = HousekeeperConfig(file: "/test/config.yaml", maxRunning: maxRunning)
        config.shutdownGracePeriod = .seconds(30)
        config.log = log
        let plugin = try Self.plugin()
        let zone = try TimeZoneRules(identifier: "UTC")
        let tasks = try names.map { name in
            let cron = try schedule.map { try CronExpression.parse($0, seed: name) }
            let spec = TaskSpec(name: name, plugin: plugin.name, schedule: schedule, cron: cron)
            return ScheduledTask(
                spec: spec, schedule: cron.map { CronSchedule(expression: $0, zone: zone) }, zone: zone,
                plugin: plugin, instance: nil)
        }
        let generation = Generation(number: 1, config: config, catalog: PluginCatalog(), tasks: tasks, dropped: [])
        scheduler = Scheduler(
            generation: generation, history: history, clock: clock, pool: BlockingThreadPool(name: "test-run"),
            logger: logger, executor: { _ in CallingExecutor(body: run) })
        events = EventLine()
    }

    /// Starts `run()`; cancelling the returned task shuts the scheduler down (it drains, then returns).
    func start() -> Task<Void, any Error> {
        let scheduler = self.scheduler
        let events = self.events
        return Task {
            await scheduler.observe { events.push($0) }
            try await scheduler.run()
        }
    }

    /// Returns once the loop dispatches (history read, tasks installed): only then may the clock move.
    func untilDispatching() async throws {
        for _ in 0..<1_000_000 {
            if await scheduler.isDispatching { return }
            await Task.yield()
        }
        Issue.record("the scheduler did not start")
    }

    /// Any loaded plugin will do: the executor never calls it.
    static func plugin() throws -> LoadedPlugin {
        let raw = try #require(PluginExport(Noop.self).entry(hostVersion: HousekeeperABI.packedVersion))
        let descriptor = try PluginHandshake.validate(raw).get()
        return LoadedPlugin(
            descriptor: descriptor, sourcePath: "noop.so", cachedPath: "noop.so", sha256: "",
            fileInfo: FileInfo(stat()))
    }

    struct Noop: HousekeeperTask {
        static let name = "noop"
        static let version = "0.0.1"
        static let summary = "does nothing"
        init(config: PluginConfig, context: CreateContext) throws(PluginError) {}
        func run(_ context: RunContext) throws(PluginError) {}
    }
}

/// Ends each run as `body` says.
struct CallingExecutor: RunExecutor {
    let body: @Sendable (RunRequest, RunControl) -> RunCompletion
    func execute(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger) -> RunCompletion {
        body(request, control)
    }
}

/// Blocks plugin threads until opened; once open, lets every caller through.
final class Gate: Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private nonisolated(unsafe) var isOpen = false

    func wait() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

/// The scheduler's events as they come, for a test to wait on.
final class EventLine: Sendable {
    private struct State {
        var events: [SchedulerEvent] = []
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func push(_ event: SchedulerEvent) {
        state.withLock { state in
            state.events.append(event)
            return state.waiter.take()
        }?.resume()
    }

    /// The events in the line now, without waiting or taking them.
    var waiting: [SchedulerEvent] { state.withLock { $0.events } }

    /// Waits for `count` events matching `match`, taken out of the line with the others before them; the events
    /// after the last match stay in the line for the next call (a run's end that came before the wait for its start
    /// returned is still there for the wait for its end).
    @discardableResult
    func next(_ count: Int, where match: (SchedulerEvent) -> Bool) async throws -> [SchedulerEvent] {
        var found: [SchedulerEvent] = []
        while found.count < count {
            let taken = state.withLock { state -> [SchedulerEvent] in
                defer { state.events.removeAll() }
                return state.events
            }
            for (index, event) in taken.enumerated() where match(event) {
                found.append(event)
                guard found.count == count else { continue }
                let rest = taken[(index + 1)...]
                state.withLock { $0.events.insert(contentsOf: rest, at: 0) }
                break
            }
            if found.count < count {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        if !state.events.isEmpty { return true }
                        state.waiter = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
        }
        return found
    }
}

/// A clock that only moves when the test says so; sleepers wake when it passes their deadline.
final class TestClock: SchedulerClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: Micros
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Micros
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        var cancelled: Set<UInt64> = []
        /// Calls of `sleep(until:)` so far, at any deadline.
        var sleeps = 0
    }
    private let state: Mutex<State>

    init(_ start: Micros) { state = Mutex(State(now: start)) }

    func now() -> Micros { state.withLock { $0.now } }
    func monotonic() -> Micros { now() }

    /// How many times anyone has called `sleep(until:)`.
    var sleepCalls: Int { state.withLock { $0.sleeps } }

    func sleep(until deadline: Micros) async throws {
        let id = state.withLock { state in
            state.sleeps += 1
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let wake = state.withLock { state -> Bool? in
                    if state.cancelled.remove(id) != nil { return false }
                    if state.now >= deadline { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                switch wake {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock to `instant` and wakes every sleeper whose deadline it reached.
    func advance(to instant: Micros) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = instant
            let due = state.sleepers.filter { $0.deadline <= instant }
            state.sleepers.removeAll { $0.deadline <= instant }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
