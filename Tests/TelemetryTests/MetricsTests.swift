import Foundation
import History
import Synchronization
import Logging
import Scheduling
import Testing
@testable import Telemetry

/// Scheduler events become the documented Prometheus series; log lines become JSON objects, or text exactly as
/// swift-log's StreamLogHandler writes it.
struct MetricsTests {
    @Test func eventsBecomeCountersAndHistograms() {
        let metrics = HousekeeperMetrics(processStart: 1_700_000_000)
        metrics.observe(.started(task: "backup", runID: 1, latenessMicros: 2_000))
        metrics.observe(.finished(task: "backup", runID: 1, status: .succeeded, durationMicros: 1_500_000))
        metrics.observe(.finished(task: "backup", runID: 2, status: .failed, durationMicros: 20_000))
        metrics.observe(.skipped(task: "backup", runID: 3, reason: "overlap: the previous run is still active"))
        metrics.observe(.finished(task: "backup", runID: 3, status: .skipped, durationMicros: nil))
        metrics.recordReload(applied: false)
        metrics.recordLoad(pluginsLoaded: 2, failures: 1)
        let text = metrics.exposition()
        #expect(text.contains("housekeeper_runs_total{task=\"backup\",status=\"succeeded\"} 1"))
        #expect(text.contains("housekeeper_runs_total{task=\"backup\",status=\"failed\"} 1"))
        #expect(text.contains("housekeeper_runs_total{task=\"backup\",status=\"skipped\"} 1"))
        #expect(text.contains("housekeeper_skipped_total{task=\"backup\",reason=\"overlap\"} 1"))
        #expect(text.contains("housekeeper_run_duration_seconds_count{task=\"backup\"} 2"))
        #expect(text.contains("housekeeper_run_duration_seconds_bucket{task=\"backup\",le=\"1.0\"} 1"))
        #expect(text.contains("housekeeper_run_duration_seconds_bucket{task=\"backup\",le=\"5.0\"} 2"))
        #expect(text.contains("housekeeper_fire_lateness_seconds_bucket{le=\"0.005\"} 1"))
        #expect(text.contains("housekeeper_fire_lateness_seconds_bucket{le=\"0.001\"} 0"))
        #expect(text.contains("housekeeper_reloads_total{result=\"failed\"} 1"))
        #expect(text.contains("housekeeper_plugins_loaded 2"))
        #expect(text.contains("housekeeper_plugin_load_failures_total 1"))
        #expect(text.contains("process_start_time_seconds 1700000000"))
        #expect(text.components(separatedBy: "# TYPE housekeeper_runs_total counter").count == 2, "one TYPE line")
        #expect(text.contains("housekeeper_run_duration_seconds_bucket{task=\"backup\",le=\"+Inf\"} 2"))
        #expect(text.contains("housekeeper_run_duration_seconds_sum{task=\"backup\"} 1.52"))
    }

    @Test func perTaskSeriesEscapeTheirLabelAndCountEveryTask() {
        let metrics = HousekeeperMetrics(processStart: 1_700_000_000)
        for index in 0..<2_000 {
            metrics.observe(.finished(task: "t\(index)", runID: Int64(index), status: .succeeded, durationMicros: 5))
        }
        metrics.observe(.finished(task: "odd \"name\"\\", runID: 0, status: .failed, durationMicros: nil))
        let text = metrics.exposition()
        #expect(text.components(separatedBy: "\n").filter { $0.hasPrefix("housekeeper_runs_total{") }.count == 2_001)
        #expect(text.contains("housekeeper_runs_total{task=\"odd \\\"name\\\"\\\\\",status=\"failed\"} 1"))
        #expect(text.contains("housekeeper_run_duration_seconds_bucket{task=\"t1999\",le=\"0.01\"} 1"))
        #expect(!text.contains("housekeeper_run_duration_seconds_count{task=\"odd"), "no duration: no histogram")
    }

    @Test func timeoutsStuckRunsAndClockStepsAreCounted() {
        let metrics = HousekeeperMetrics(processStart: 1_700_000_000)
        metrics.observe(.timedOut(task: "export", runID: 7))
        metrics.observe(.stuck(task: "export", runID: 7))
        metrics.observe(.clockStepped(deltaMicros: -3_600_000_000))
        let text = metrics.registry.emitToString()
        #expect(text.contains("housekeeper_run_timeouts_total{task=\"export\"} 1"))
        #expect(text.contains("housekeeper_runs_stuck_total{task=\"export\"} 1"))
        #expect(text.contains("housekeeper_clock_steps_total 1"))
    }

    @Test(arguments: [
        ("overlap: a run is already waiting", "overlap"), ("paused: resume the task to run it", "paused"),
        ("outside the window Mon 09:00-10:00 (window_policy: skip)", "window"),
        ("missed: 3 slots could not fire on time", "missed"), ("unknown task", "other"),
    ])
    func skipReasonsAreGroupedIntoFewLabels(reason: String, label: String) {
        #expect(HousekeeperMetrics.skipCategory(reason) == label)
    }

    @Test func processStatsAreReadFromProc() throws {
        let stats = try #require(ProcessStats.read())
        #expect(stats.residentBytes > 0)
        #expect(stats.virtualBytes >= stats.residentBytes)
        #expect(ProcessStats.memoryLimit() > 0)
    }

    @Test func aJSONLogLineCarriesTheRunMetadata() throws {
        let lines = LockedLines()
        var handler = JSONLogHandler(label: "housekeeper", sink: .init { lines.append($0) })
        handler.logLevel = .debug
        handler[metadataKey: "task.name"] = "backup"
        var logger = Logger(label: "housekeeper", factory: { _ in handler })
        logger[metadataKey: "run.id"] = "42"
        logger.info("plugin says \"hi\"\n", metadata: ["plugin.name": "stamp", "list": ["a", "b"]])
        logger.trace("dropped below the level")
        let all = lines.all
        #expect(all.count == 1)
        let line = try #require(all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.contains("\"level\":\"info\""))
        #expect(line.contains("\"message\":\"plugin says \\\"hi\\\"\\n\""))
        #expect(line.contains("\"task.name\":\"backup\""))
        #expect(line.contains("\"run.id\":\"42\""))
        #expect(line.contains("\"plugin.name\":\"stamp\""))
        #expect(line.contains("\"list\":[\"a\",\"b\"]"))
        #expect(line.range(of: #""ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z""#, options: .regularExpression) != nil)
    }

    @Test func aTextLogLineIsWhatStreamLogHandlerWrites() throws {
        let ours = LockedLines()
        let theirs = LockedStream()
        let second = 1_700_000_000
        var text = TextLogHandler(label: "housekeeper", sink: .init { ours.append($0) }, now: { second })
        text.logLevel = .debug
        var stream = StreamLogHandler(label: "housekeeper", stream: theirs, metadataProvider: nil)
        stream.logLevel = .debug
        for handler in [text, stream] as [any LogHandler] {
            var logger = Logger(label: "housekeeper", factory: { _ in handler })
            logger[metadataKey: "task.name"] = "backup"
            logger[metadataKey: "run.id"] = "42"
            logger.info("run.finished", metadata: ["status": "succeeded", "list": ["a", "b"], "run.id": "43"])
            logger.notice("no metadata of its own")
            logger.trace("dropped below the level")
        }
        // Everything after the timestamp is the same; the timestamp is strftime's for the pinned second.
        let expected = theirs.lines.map { $0.drop { $0 != " " } }
        #expect(ours.all.map { $0.drop { $0 != " " } } == expected)
        #expect(expected.count == 2)
        #expect(expected.first == " info housekeeper: list=[\"a\", \"b\"] run.id=43 status=succeeded task.name=backup [TelemetryTests] run.finished\n")
        var seconds = time_t(second)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        let stamp = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(ours.all.allSatisfy { $0.hasPrefix(stamp + " ") })
    }

    @Test func timestampsRoundTrip() {
        #expect(UTCTimestamp.rfc3339(micros: 1_700_000_000_123_456) == "2023-11-14T22:13:20.123456Z")
        #expect(UTCTimestamp.parse("2023-11-14T22:13:20Z") == 1_700_000_000_000_000)
        #expect(UTCTimestamp.parse("1700000000") == 1_700_000_000_000_000)
        #expect(UTCTimestamp.parse("yesterday") == nil)
        #expect(AlertMonitor.percent(0.05) == "5%")
        #expect(AlertMonitor.percent(0.125) == "12.5%")
    }
}

/// Lines collected from a log handler.
final class LockedLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// What a `StreamLogHandler` wrote, split into lines.
final class LockedStream: TextOutputStream, Sendable {
    private let text = Mutex("")

    func write(_ string: String) { text.withLock { $0 += string } }

    var lines: [String] {
        text.withLock { $0 }.split(separator: "\n").map { $0 + "\n" }
    }
}
