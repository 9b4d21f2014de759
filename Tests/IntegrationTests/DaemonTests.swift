import Foundation
import Testing

/// The real `housekeeper` binary against real plugin `.so` files, a real SQLite file and real signals.
@Suite(.serialized) struct DaemonTests {
    func rows(_ sandbox: borrowing Sandbox, _ task: String, status: String? = nil) throws -> [[String: Any]] {
        try sandbox.history(task: task).filter { status == nil || $0["status"] as? String == status }
    }

    @Test func tasksEverySecondWriteRowsToHistoryFromBothPlugins() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.install("libCStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: swift-tick
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("swift.txt"))", message: hello}
              - name: c-tick
                plugin: c-stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("c.txt"))"}
            """)
        let daemon = try sandbox.start()
        try await eventually("two succeeded runs of each task") {
            try rows(sandbox, "swift-tick", status: "succeeded").count >= 2
                && rows(sandbox, "c-tick", status: "succeeded").count >= 2
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        // The history store is the daemon's first SQLite connection, so SQLite's memory statistics (a process-wide
        // lock around each of its allocations) are off.
        #expect(daemon.log.contains("sqlite.memory_statistics=off"), "\(daemon.log)")

        let swiftRows = try rows(sandbox, "swift-tick")
        let row = try #require(swiftRows.first { $0["status"] as? String == "succeeded" })
        #expect(row["plugin"] as? String == "stamp")
        #expect(row["trigger"] as? String == "schedule")
        #expect(row["attempt"] as? Int == 1)
        let scheduled = try #require(row["scheduled_at"] as? String)
        #expect(scheduled.hasSuffix(".000000Z"), "whole-second slot in RFC 3339 UTC with microseconds: \(scheduled)")
        #expect((row["output"] as? String)?.contains("swift.txt") == true)
        let lines = try String(contentsOfFile: sandbox.path("swift.txt"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 2)
        #expect(lines.allSatisfy { $0.contains("swift-tick schedule attempt=1 hello") })
        let slots = swiftRows.compactMap { $0["scheduled_at"] as? String }
        #expect(Set(slots).count == slots.count, "every slot has exactly one row")
    }

    @Test func sighupLoadsANewPluginAndAnEditedSchedule() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: yearly
                plugin: stamp
                schedule: "0 0 0 1 1 *"
                config: {file: "\(sandbox.path("a.txt"))"}
            """)
        let daemon = try sandbox.start()
        try await daemon.waitFor("scheduler.started")

        try sandbox.install("libCStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: yearly
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("a.txt"))"}
              - name: newcomer
                plugin: c-stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("b.txt"))"}
            """)
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.applied")
        try await eventually("runs of the rescheduled and the new task") {
            try rows(sandbox, "yearly", status: "succeeded").count >= 1
                && rows(sandbox, "newcomer", status: "succeeded").count >= 1
        }
        #expect(daemon.log.contains("c-stamp"))
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func aBrokenPluginAndABrokenConfigOnSighupLeaveTheRunningConfigUntouched() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        let good = """
            tasks:
              - name: steady
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("steady.txt"))"}
            """
        try sandbox.writeConfig(good)
        let daemon = try sandbox.start()
        try await eventually("a first run") { try rows(sandbox, "steady", status: "succeeded").count >= 1 }

        // A file that is not a shared object: rejected with a reason, everything else keeps working.
        try "not an ELF file".write(toFile: sandbox.plugins.appendingPathComponent("libbroken.so").path,
                                    atomically: true, encoding: .utf8)
        chmod(sandbox.plugins.appendingPathComponent("libbroken.so").path, 0o755)
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.applied")
        #expect(daemon.log.contains("libbroken.so"))

        // A config with an error: the reload is refused with file:line:col and the old config keeps running.
        try sandbox.writeConfig(good + "\n    schedul: \"* * * * *\"\n")
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.failed")
        #expect(daemon.log.contains("config.yaml:12:5"), "the error names file:line:column\n\(daemon.log)")
        let before = try rows(sandbox, "steady", status: "succeeded").count
        try await eventually("the old config to keep running") {
            try rows(sandbox, "steady", status: "succeeded").count >= before + 2
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func sigtermDuringALongCooperativeRunWaitsForItAndRecordsTheOutcome() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: long
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("long.txt"))", sleep: 60}
            """, grace: "30s")
        let daemon = try sandbox.start()
        try await eventually("a running row") { try rows(sandbox, "long", status: "running").count == 1 }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let all = try rows(sandbox, "long").filter { $0["status"] as? String != "skipped" }
        #expect(all.count == 1)
        #expect(all.first?["status"] as? String == "cancelled")
        #expect(all.first?["finished_at"] is String)
    }

    @Test func aPluginThatIgnoresStopIsAbandonedAfterTheGracePeriodOrASecondSignal() async throws {
        let sandbox = try Sandbox()
        try sandbox.compile("stubborn", source: Fixtures.stubbornPlugin)
        try sandbox.writeConfig("""
            tasks:
              - name: stuck
                plugin: stubborn
                schedule: "* * * * * *"
            """, grace: "1h")
        let daemon = try sandbox.start()
        try await eventually("a running row") { try rows(sandbox, "stuck", status: "running").count == 1 }
        daemon.send(SIGTERM)
        try await daemon.waitFor("scheduler.shutdown.begin")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let row = try #require(try rows(sandbox, "stuck").first { $0["status"] as? String != "skipped" })
        #expect(row["status"] as? String == "interrupted")
        #expect((row["error"] as? String)?.contains("grace period") == true)
    }

    @Test func aTimeoutSetsShouldStopAndRecordsTimedOut() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libCStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: slow
                plugin: c-stamp
                schedule: "* * * * * *"
                timeout: 1s
                config: {file: "\(sandbox.path("slow.txt"))", sleep: 60}
            """)
        let daemon = try sandbox.start()
        try await eventually("a timed-out run") { try rows(sandbox, "slow", status: "timed_out").count >= 1 }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let row = try #require(try rows(sandbox, "slow", status: "timed_out").first)
        #expect((row["error"] as? String)?.contains("timed out after") == true)
    }

    @Test func aDaemonKilledWithSigkillLeavesInterruptedRowsAfterRestart() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: victim
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("v.txt"))", sleep: 600}
            """)
        let first = try sandbox.start()
        try await eventually("a running row") { try rows(sandbox, "victim", status: "running").count == 1 }
        first.send(SIGKILL)
        _ = try await first.waitForExit()
        #expect(try rows(sandbox, "victim", status: "running").count == 1, "the dead daemon left its row running")

        try sandbox.writeConfig("""
            tasks:
              - name: victim
                plugin: stamp
                schedule: "0 0 0 1 1 *"
                config: {file: "\(sandbox.path("v.txt"))"}
            """)
        let second = try sandbox.start()
        try await second.waitFor("scheduler.started")
        let row = try #require(try rows(sandbox, "victim", status: "interrupted").first)
        #expect((row["error"] as? String)?.contains("daemon stopped") == true)
        #expect(try rows(sandbox, "victim", status: "running").isEmpty)
        second.send(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}
