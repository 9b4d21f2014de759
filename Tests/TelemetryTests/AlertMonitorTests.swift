import Config
import Foundation
import History
import Logging
import PluginHost
@testable import Scheduling
import Synchronization
import Testing
@testable import Telemetry

/// A clock the test sets by hand; sleeping is never needed because the tests call `evaluate` directly.
final class HandClock: SchedulerClock {
    private let value: Mutex<Micros>
    init(_ start: Micros) { value = Mutex(start) }
    func now() -> Micros { value.withLock { $0 } }
    func monotonic() -> Micros { now() }
    func sleep(until deadline: Micros) async throws { throw CancellationError() }
    func advance(by delta: Micros) { value.withLock { $0 += delta } }
}

/// The alert thresholds: raised once when crossed, kept while crossed, cleared when no longer crossed.
struct AlertMonitorTests {
    static let start: Micros = 1_767_225_600_000_000
    static let second: Micros = 1_000_000

    let history: HistoryStore
    let clock = HandClock(start)
    let scheduler: Scheduler

    init() throws {
        history = try HistoryStore.inMemory()
        let config = HousekeeperConfig(file: "/etc/housekeeper/config.yaml")
        let generation = Generation(number: 1, config: config, catalog: PluginCatalog(), tasks: [], dropped: [])
        scheduler = Scheduler(
            generation: generation, history: history, clock: clock, pool: BlockingThreadPool(name: "test"),
            logger: Logger(label: "test"))
    }

    func monitor(memory: @escaping @Sendable () -> (used: Int64, limit: Int64) = { (1, 100) }) -> AlertMonitor {
        AlertMonitor(scheduler: scheduler, history: history, clock: clock, logger: Logger(label: "test"), memory: memory)
    }

    func ended(_ task: String, _ status: RunStatus, at: Micros) async throws {
        _ = try await history.insert(RunRecord(
            task: task, plugin: "p", trigger: .manual, scheduledAt: at, startedAt: at, finishedAt: at, status: status))
    }

    @Test func theErrorRateAlertNeedsEnoughRunsAndIsRaisedOnceThenCleared() async throws {
        var config = HousekeeperConfig(file: "/c.yaml")
        config.alerts = AlertSettings(errorRateThreshold: 0.05, errorRateWindow: .seconds(60), errorRateMinimumRuns: 4)
        let monitor = monitor()
        // Runs are counted once they ended `settleMicros` ago (committed by then).
        let settled = OutcomeSlices.settleMicros + Self.second
        for _ in 0..<2 { try await ended("a", .succeeded, at: clock.now()) }
        try await ended("a", .failed, at: clock.now())
        clock.advance(by: settled)
        #expect(await monitor.evaluate(config: config).isEmpty, "3 runs: fewer than min_runs")
        try await ended("a", .succeeded, at: clock.now())
        #expect(await monitor.evaluate(config: config).isEmpty, "the fourth has not settled yet")
        clock.advance(by: settled)
        let raised = await monitor.evaluate(config: config)
        #expect(raised.map(\.kind) == [.errorRate])
        #expect(raised.first?.value == 0.25)
        #expect(raised.first?.message.contains("1 of 4 runs failed") == true)
        #expect(await monitor.evaluate(config: config).isEmpty, "raised once while it stays crossed")
        #expect(await monitor.active.count == 1)
        clock.advance(by: 120 * Self.second)
        #expect(await monitor.evaluate(config: config).isEmpty)
        #expect(await monitor.active.isEmpty, "the failures left the window: cleared")
    }

    @Test func theErrorRateWindowIsCountedASliceAtATimeAndEqualsACountOfTheWholeWindow() async throws {
        var config = HousekeeperConfig(file: "/c.yaml")
        config.alerts = AlertSettings(errorRateThreshold: 0.99, errorRateWindow: .seconds(60), errorRateMinimumRuns: 1)
        let monitor = monitor()
        // A run every 2 s for 3 minutes, every fifth failed; an evaluation every 10 s (a sixth of the window, so
        // the slices line up with it).
        for step in 0..<90 {
            try await ended("a", step % 5 == 0 ? .failed : .succeeded, at: clock.now())
            clock.advance(by: 2 * Self.second)
            if step % 5 == 4 {
                _ = await monitor.evaluate(config: config)
                let end = clock.now() - OutcomeSlices.settleMicros
                let whole = try await history.outcomeCounts(from: end - 60 * Self.second, to: end)
                #expect(await monitor.errorRateCounts == whole, "at step \(step)")
            }
        }
        #expect(await monitor.errorRateCounts.finished == 30, "60 s of a run every 2 s")
    }

    @Test func slicesAskOnlyForTheTimeNotCountedYet() {
        var slices = OutcomeSlices()
        #expect(slices.pending(end: 100, window: 60) == 40..<100, "the first evaluation counts the whole window")
        slices.add(OutcomeCounts(finished: 6, failed: 1), over: 40..<100)
        #expect(slices.pending(end: 100, window: 60) == nil, "nothing new")
        #expect(slices.pending(end: 130, window: 60) == 100..<130)
        slices.add(OutcomeCounts(finished: 3, failed: 0), over: 100..<130)
        #expect(slices.total == OutcomeCounts(finished: 9, failed: 1))
        #expect(slices.pending(end: 170, window: 60) == 130..<170, "the first slice ended at 100 <= 110: dropped")
        #expect(slices.total == OutcomeCounts(finished: 3, failed: 0))
        #expect(slices.pending(end: 170, window: 30) == 140..<170, "another window starts over")
        #expect(slices.total == OutcomeCounts(finished: 0, failed: 0))
    }

    @Test func theMemoryAlertComparesWithTheConfiguredLimit() async throws {
        var config = HousekeeperConfig(file: "/c.yaml")
        config.alerts = AlertSettings(memoryThreshold: 0.8, memoryLimitBytes: 1000)
        let monitor = monitor { (850, 1_000_000) }
        let raised = await monitor.evaluate(config: config)
        #expect(raised.map(\.kind) == [.memory], "850 of 1000 bytes is above 80 %")
        config.alerts.memoryLimitBytes = nil
        #expect(await monitor.evaluate(config: config).isEmpty, "against the machine's limit it is not")
        #expect(await monitor.active.isEmpty)
    }

    @Test func theDeadMansSwitchCountsFromTheLastSuccessOrTheStart() async throws {
        var config = HousekeeperConfig(file: "/c.yaml")
        var watched = TaskSpec(name: "backup", plugin: "p", schedule: nil, cron: nil)
        watched.expectSuccessWithin = .seconds(3600)
        var fresh = TaskSpec(name: "report", plugin: "p", schedule: nil, cron: nil)
        fresh.expectSuccessWithin = .seconds(3600)
        config.tasks = [watched, fresh]
        try await ended("backup", .succeeded, at: clock.now() - 2 * 3600 * Self.second)
        let monitor = monitor()
        let raised = await monitor.evaluate(config: config)
        #expect(raised.map(\.task) == ["backup"], "backup last succeeded 2h ago; report counts from the start")
        #expect(raised.first?.kind == .noSuccess)
        let context = AlertMonitor.context(for: try #require(raised.first))
        let object = try JSONSerialization.jsonObject(with: Data(context.utf8)) as? [String: [String: Any]]
        #expect(object?["alert"]?["kind"] as? String == "no_success")
        #expect(object?["alert"]?["task"] as? String == "backup")

        clock.advance(by: 3601 * Self.second)
        #expect(await monitor.evaluate(config: config).map(\.task) == ["report"], "now report too; backup stays raised")
        try await ended("backup", .succeeded, at: clock.now())
        #expect(await monitor.evaluate(config: config).isEmpty)
        #expect(await monitor.active.map(\.task) == ["report"], "backup cleared by its success")
    }
}
