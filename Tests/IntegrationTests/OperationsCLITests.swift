import Foundation
import Testing

/// The control commands against a running daemon, reading the address and token from the same config file.
@Suite(.serialized) struct OperationsCLITests {
    @Test func triggerWaitExitsWithTheRunsOutcomeAndTheOtherCommandsWork() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try await AdminAPITests.start(http, sandbox)
        let config = ["--config", sandbox.configFile.path]

        let ok = try sandbox.cli(["trigger", "quick", "--wait"] + config)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("succeeded"), "\(ok.stdout)")
        let bad = try sandbox.cli(["trigger", "broken", "--wait"] + config)
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stdout.contains(" failed in "), "\(bad.stdout)")
        #expect(bad.stdout.contains(": failing as configured"), "\(bad.stdout)")
        let badID = try #require(bad.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        let unknown = try sandbox.cli(["trigger", "nope"] + config)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no task named \"nope\""), "\(unknown.stderr)")
        let skipped = try sandbox.cli(["trigger", "slow"] + config)
        #expect(skipped.status == 2, "the overlap policy skips it")
        let forced = try sandbox.cli(["trigger", "slow", "--force"] + config)
        #expect(forced.status == 0)
        let forcedID = try #require(forced.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0) })

        let status = try sandbox.cli(["status"] + config)
        #expect(status.status == 0)
        #expect(status.stdout.contains("running: run \(forcedID) of slow"), "\(status.stdout)")
        let json = try sandbox.cli(["status", "--json"] + config)
        #expect((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["generation"] as? Int == 1)

        let cancel = try sandbox.cli(["cancel", "\(forcedID)"] + config)
        #expect(cancel.status == 0)
        #expect(cancel.stdout.contains("stopping"))
        let run = try await http.waitForEnd(of: forcedID)
        #expect(run["status"] as? String == "cancelled")
        #expect(try sandbox.cli(["cancel", "\(forcedID)"] + config).status == 2, "already ended")

        // The slow task's start-up run still runs, so a retry of its cancelled run is skipped by the overlap
        // policy; the failed run of broken is retried.
        let overlapping = try sandbox.cli(["retry", "\(forcedID)"] + config)
        #expect(overlapping.status == 2)
        #expect(overlapping.stderr.contains("skipped"), "\(overlapping.stderr)")
        let retry = try sandbox.cli(["retry", "\(badID)", "--wait"] + config)
        #expect(retry.status == 1, "the retry fails like the original: \(retry.stdout)\(retry.stderr)")
        #expect(retry.stdout.contains("retry of run \(badID)"))

        #expect(try sandbox.cli(["pause", "quick"] + config).stdout.contains("quick: paused"))
        #expect(try await http.call("GET", "/tasks/quick").json["paused"] as? Bool == true)
        #expect(try sandbox.cli(["resume", "quick"] + config).stdout.contains("quick: resumed"))
        #expect(try sandbox.cli(["reload"] + config).stdout.contains("generation 2 applied"))

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let down = try sandbox.cli(["status"] + config)
        #expect(down.status == 3, "the daemon is down: \(down.stderr)")
        #expect(down.stderr.contains("cannot reach the daemon"))
        // history reads SQLite directly, so it works while the daemon is down.
        #expect(try sandbox.history(task: "quick").count >= 2)
    }

    @Test func aWrongTokenInTheConfigIsRefused() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try await AdminAPITests.start(http, sandbox)
        let other = sandbox.path("client.yaml")
        let text = try String(contentsOf: sandbox.configFile, encoding: .utf8)
            .replacingOccurrences(of: "token: \(http.token)", with: "token: wrong")
        try text.write(toFile: other, atomically: true, encoding: .utf8)
        let result = try sandbox.cli(["status", "--config", other])
        #expect(result.status == 2)
        #expect(result.stderr.contains("invalid bearer token"), "\(result.stderr)")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
