import Foundation
import Testing

/// Crashing and hanging plugin code through the real daemon: it stays up, other tasks keep their schedule, and
/// history says what happened.
@Suite(.serialized) struct IsolationDaemonTests {
    @Test func aSegfaultingProcessTaskIsRecordedCrashedAndTheDaemonAndOtherTasksGoOn() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.compile("segv", source: Fixtures.plugin(
            "segv", run: "fprintf(stderr, \"about to crash\\n\"); fflush(stderr); raise(SIGSEGV);"))
        try sandbox.compile("stuck", source: Fixtures.plugin("stuck", run: "for (;;) pause();"))
        try sandbox.writeConfig("""
            tasks:
              - name: crasher
                plugin: segv
                schedule: "* * * * * *"
                isolation: process
              - name: hanger
                plugin: stuck
                startup: true
                isolation: process
                timeout: 1s
                timeout_grace: 1s
              - name: steady
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("steady.txt"))"}
            """)
        let daemon = try sandbox.start()
        func rows(_ task: String, _ status: String) throws -> [[String: Any]] {
            try sandbox.history(task: task).filter { $0["status"] as? String == status }
        }
        try await eventually("two crashes, a killed hang and steady runs around them") {
            try rows("crasher", "crashed").count >= 2 && rows("hanger", "timed_out").count == 1
                && rows("steady", "succeeded").count >= 3
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let crash = try #require(try rows("crasher", "crashed").first)
        let error = try #require(crash["error"] as? String)
        #expect(error.contains("SIGSEGV"), "\(error)")
        let hang = try #require(try rows("hanger", "timed_out").first)
        #expect((hang["error"] as? String)?.contains("timed out after 1s") == true, "\(hang)")
    }

    @Test func aPluginThatCrashesInItsEntryOrInCreateNeverTakesTheDaemonDown() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: steady
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("steady.txt"))"}
            """)
        let daemon = try sandbox.start()
        try await daemon.waitFor("scheduler.started")

        // A file that crashes the process that loads it: the probe takes the hit, the daemon rejects the file.
        try sandbox.compile("boom", source: Fixtures.plugin("boom", run: "", entry: "abort();"))
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.applied")
        #expect(daemon.log.contains("libboom.so"), "\(daemon.log)")

        // A plugin whose create crashes, used by an isolated task: the reload is refused with the reason.
        try sandbox.compile("badcreate", source: Fixtures.plugin("badcreate", run: "", create: "raise(SIGSEGV);"))
        try sandbox.writeConfig("""
            tasks:
              - name: steady
                plugin: stamp
                schedule: "* * * * * *"
                config: {file: "\(sandbox.path("steady.txt"))"}
              - name: fragile
                plugin: badcreate
                schedule: "* * * * * *"
                isolation: process
            """)
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.failed")
        #expect(daemon.log.contains("fragile"))
        let before = try sandbox.history(task: "steady").count
        try await eventually("steady to keep running") { try sandbox.history(task: "steady").count >= before + 2 }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
