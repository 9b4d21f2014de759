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
        let now = clock.now()
        for _ in 0..<2 { try await ended("a", .succeeded, at: now) }
        try await ended("a", .failed, at: now)
        #expect(await monitor.evaluate(config: config).isEmpty, "3 runs: fewer than min_runs")
        try await ended("a", .succeeded, at: now)
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
