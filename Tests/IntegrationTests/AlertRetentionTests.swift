import Foundation
import History
import Testing

/// Alerts, history retention and JSON logs through the real daemon.
@Suite(.serialized) struct AlertRetentionTests {
    @Test func aTaskThatNeverSucceedsRaisesAnAlertThatRunsTheOnAlertTask() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            \(http.configSection)
            log:
              level: debug
            alerts:
              check_interval: 100ms
              error_rate: {min_runs: 1000}
              on_alert: [notify]
            tasks:
              - name: watched
                plugin: stamp
                startup: true
                expect_success_within: 1s
                config: {file: "\(sandbox.path("watched.txt"))", fail: true}
              - name: notify
                plugin: stamp
                after: watched
                on: success
                config: {file: "\(sandbox.path("notify.txt"))", message: alerted}
            """)
        let daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        try await eventually("the on_alert task to run") {
            try sandbox.history(task: "notify").contains { $0["status"] as? String == "succeeded" }
        }
        let notify = try #require(try sandbox.history(task: "notify").first)
        #expect(notify["trigger"] as? String == "dependency")
        let output = try #require(notify["output"] as? String)
        #expect(output.contains("alert"), "\(output)")
        #expect(output.contains("no_success"), "\(output)")
        #expect(output.contains("watched"), "\(output)")

        let ready = try await http.call("GET", "/ready")
        #expect(ready.status == 503)
        #expect(ready.json["status"] as? String == "degraded")
        let alert = try #require((ready.json["alerts"] as? [[String: Any]])?.first)
        #expect(alert["kind"] as? String == "no_success")
        #expect(alert["task"] as? String == "watched")
        // Logged once while it stays crossed, and the on_alert task ran once: three more evaluations later.
        try await daemon.waitFor("alerts.evaluated", times: daemon.count("alerts.evaluated") + 3)
        #expect(daemon.count("alert.raised") == 1)
        #expect(try sandbox.history(task: "notify").count == 1)
        #expect(prometheusSeries(try await http.call("GET", "/metrics").text)["housekeeper_alerts_active"] == 1)
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func retentionPrunesASeededDatabaseAndKeepsFailuresLonger() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        let now = Int64(Date().timeIntervalSince1970) * 1_000_000
        let day: Int64 = 86_400_000_000
        try FileManager.default.createDirectory(
            at: sandbox.database.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            let store = try HistoryStore.open(path: sandbox.database.path)
            func row(_ status: RunStatus, daysAgo: Int64) -> RunRecord {
                let at = now - daysAgo * day
                return RunRecord(task: "old", plugin: "stamp", trigger: .manual, scheduledAt: at, startedAt: at,
                                 finishedAt: at, status: status)
            }
            var rows: [RunRecord] = []
            for _ in 0..<1200 { rows.append(row(.succeeded, daysAgo: 40)) }
            rows += [row(.failed, daysAgo: 40), row(.failed, daysAgo: 100), row(.succeeded, daysAgo: 2)]
            _ = try await store.insert(rows)
        }
        // Written whole: the sandbox's standard header already has a state: section.
        try """
            plugins:
              directory: plugins
            state:
              database: var/housekeeper.sqlite
              history_retention: 30d
              history_keep_failed: 90d
            api:
              enabled: false
            tasks:
              - name: quick
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("quick.txt"))"}
            """.write(to: sandbox.configFile, atomically: true, encoding: .utf8)
        let daemon = try sandbox.start()
        try await daemon.waitFor("history.pruned")
        try await eventually("the start-up run") {
            try sandbox.history(task: "quick").contains { $0["status"] as? String == "succeeded" }
        }
        let old = try sandbox.history(task: "old")
        #expect(old.count == 2, "the 40-day failure and the 2-day success remain")
        #expect(Set(old.compactMap { $0["status"] as? String }) == ["failed", "succeeded"])
        #expect(daemon.log.contains("rows.deleted=1201"), "1200 old successes and the 100-day failure:\n\(daemon.log)")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func jsonLogLinesCarryTheRunsMetadata() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            api:
              enabled: false
            log:
              format: json
              level: debug
            tasks:
              - name: napper
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("nap.txt"))", sleep: 0.1}
            """)
        let daemon = try sandbox.start()
        try await daemon.waitFor("run.finished")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let lines = daemon.log.split(separator: "\n").map(String.init)
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every line is a JSON object:\n\(daemon.log)")
        let pluginLine = try #require(objects.first { $0["message"] as? String == "sleeping" }, "\(daemon.log)")
        #expect(pluginLine["task.name"] as? String == "napper")
        #expect(pluginLine["plugin.name"] as? String == "stamp")
        #expect(pluginLine["run.id"] as? String != nil)
        #expect(pluginLine["level"] as? String == "debug")
    }
}
