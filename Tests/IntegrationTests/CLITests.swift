import Foundation
import Testing

/// The one-shot commands of the real binary: next, explain, check, list.
@Suite struct CLITests {
    @Test func nextPrintsInstantsWithOffsetsAcrossADSTChange() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.cli(["next", "30 2 * * *", "--tz", "Europe/Paris", "--from", "2026-03-28T00:00:00Z", "-n", "3"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n") == [
            "2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00",
        ])
    }

    @Test func nextWithAnInvalidExpressionExitsNonZeroAndPointsAtTheToken() throws {
        let result = try Sandbox().cli(["next", "0 12 * * 8"])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("invalid day-of-week \"8\""))
        #expect(result.stderr.contains("  0 12 * * 8\n           ^"), "\(result.stderr)")
    }

    @Test func nextWithASeedEvaluatesHLikeTheDaemonDoes() throws {
        let sandbox = try Sandbox()
        let a = try sandbox.cli(["next", "H 2 * * *", "--seed", "cleanup", "--from", "2026-01-01T00:00:00Z", "-n", "1"])
        let b = try sandbox.cli(["next", "H 2 * * *", "--seed", "cleanup", "--from", "2026-01-01T00:00:00Z", "-n", "1"])
        #expect(a.status == 0 && a.stdout == b.stdout)
        #expect(a.stdout.hasPrefix("2026-01-01T02:"))
    }

    @Test func explainDescribesTheScheduleAndItsDSTDays() throws {
        let result = try Sandbox().cli(["explain", "30 2 * * *", "--tz", "Europe/Paris", "--year", "2026"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("2026-03-29"))
        #expect(result.stdout.contains("do not exist"))
        #expect(result.stdout.contains("happen twice"))
    }

    @Test func checkWarnsAboutAScheduleThatNeverFiresAndListsTimings() throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: never
                plugin: stamp
                schedule: "0 0 31 2 *"
                config: {file: "\(sandbox.path("n.txt"))"}
              - name: poll
                plugin: stamp
                every: 15m
                anchor: "00:05"
                config: {file: "\(sandbox.path("p.txt"))"}
              - name: once
                plugin: stamp
                at: 2020-01-01T00:00:00Z
                config: {file: "\(sandbox.path("o.txt"))"}
            """)
        let check = try sandbox.cli(["check", "--config", sandbox.configFile.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stderr.contains("config.yaml:10:15: warning:"), "\(check.stderr)")
        #expect(check.stderr.contains("never fires"))
        #expect(check.stdout.contains("every 15m from 00:05"))
        let list = try sandbox.cli(["list", "--config", sandbox.configFile.path])
        #expect(list.status == 0)
        let once = try #require(list.stdout.split(separator: "\n").first { $0.hasPrefix("once") })
        #expect(once.contains("completed"))
        #expect(once.contains("idle"))
    }
}

extension CLITests {
    @Test func checkAcceptsDstGapAndNextShowsTheCoalescedTransitionRun() throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            tasks:
              - name: coalesced
                plugin: stamp
                schedule: "30 2 * * *"
                timezone: Europe/Paris
                config: {file: "\(sandbox.path("c.txt"))"}
              - name: skipped
                plugin: stamp
                schedule: "30 2 * * *"
                timezone: Europe/Paris
                dst_gap: skip
                config: {file: "\(sandbox.path("s.txt"))"}
            """)
        let check = try sandbox.cli(["check", "--config", sandbox.configFile.path])
        #expect(check.status == 0, "\(check.stderr)")
        let gap = try Sandbox().cli(["next", "30 2 * * *", "--tz", "Europe/Paris", "--from", "2026-03-28T12:00:00Z", "-n", "1"])
        #expect(gap.stdout.hasPrefix("2026-03-29T03:00:00+02:00"), "coalesce runs at the transition: \(gap.stdout)")
    }
}
