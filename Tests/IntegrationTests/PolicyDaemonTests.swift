import Foundation
import Testing

/// Execution policies through the real binary: retries, hooks, start-up tasks, the daemon lock.
@Suite(.serialized) struct PolicyDaemonTests {
    @Test func aFailingStartupTaskIsRetriedThenItsFailureHookGetsTheFailedRun() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: flaky
                plugin: stamp
                startup: true
                retry: {attempts: 1, delay: 1s}
                on_failure: [alert]
                config: {file: "\(sandbox.path("flaky.txt"))", fail: true}
              - name: alert
                plugin: stamp
                after: flaky
                on: success
                config: {file: "\(sandbox.path("alert.txt"))", message: alerted}
            """)
        let daemon = try sandbox.start()
        try await eventually("the hook run") {
            try sandbox.history(task: "alert").contains { $0["status"] as? String == "succeeded" }
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        let flaky = try sandbox.history(task: "flaky").sorted { ($0["id"] as! Int) < ($1["id"] as! Int) }
        #expect(flaky.map { $0["status"] as? String } == ["failed", "failed"])
        #expect(flaky.map { $0["trigger"] as? String } == ["startup", "retry"])
        #expect(flaky.map { $0["attempt"] as? Int } == [1, 2])
        #expect(flaky[1]["first_run_id"] as? Int == flaky[0]["id"] as? Int, "a retry links to its first attempt")
        // `after: flaky, on: success` did not fire; `on_failure` did, once, after the last attempt.
        let alert = try sandbox.history(task: "alert")
        #expect(alert.count == 1)
        #expect(alert.first?["trigger"] as? String == "dependency")
        let output = try #require(alert.first?["output"] as? String)
        let lastID = try #require(flaky[1]["id"] as? Int)
        #expect(output.contains("\\\"run_id\\\":\(lastID)"), "the hook's context names the failed run: \(output)")
        #expect(output.contains("failing as configured"), "and its error: \(output)")
    }

    @Test func aSecondDaemonOnTheSameDatabaseRefusesAndNamesTheFirst() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: long
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("long.txt"))", sleep: 600}
            """)
        let first = try sandbox.start()
        try await eventually("a running row") {
            try sandbox.history(task: "long").contains { $0["status"] as? String == "running" }
        }
        let second = try sandbox.start()
        #expect(try await second.waitForExit() != 0)
        #expect(second.log.contains("another housekeeper daemon (pid \(first.pid))"), "\(second.log)")
        // The refused daemon touched nothing: the first one's run is still running, not interrupted.
        #expect(try sandbox.history(task: "long").map { $0["status"] as? String } == ["running"])
        first.send(SIGTERM)
        #expect(try await first.waitForExit() == 0)
        #expect(try sandbox.history(task: "long").map { $0["status"] as? String } == ["cancelled"])
    }
}

extension PolicyDaemonTests {
    @Test func sigtermDuringALongLineStopsStartingRunsAndRecordsTheRestCancelled() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        let tasks = (0..<400).map { index in
            """
              - name: t\(index)
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("line.txt"))", sleep: 0.01}
            """
        }.joined(separator: "\n")
        try sandbox.writeConfig("limits:\n  max_running: 1\ntasks:\n" + tasks)
        let daemon = try sandbox.start()
        try await eventually("the line to start moving") {
            try sandbox.history().contains { $0["status"] as? String == "succeeded" }
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let rows = try sandbox.history()
        #expect(rows.count == 400, "every start-up run has its one row")
        #expect(rows.allSatisfy { ["succeeded", "cancelled"].contains($0["status"] as? String) })
        let cancelled = rows.filter { $0["status"] as? String == "cancelled" }
        #expect(cancelled.count > 100, "the line stopped at SIGTERM: \(400 - cancelled.count) ran")
        #expect(cancelled.allSatisfy { ($0["error"] as? String)?.contains("shutting down") == true })
    }
}
