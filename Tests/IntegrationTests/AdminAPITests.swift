import Foundation
import Testing

/// The admin API over real HTTP on loopback against the real daemon: auth, every endpoint and its errors.
@Suite(.serialized) struct AdminAPITests {
    /// A sandbox with the stamp plugin, a quick task, a slow task and a failing task, all run at start-up.
    static func start(_ http: AdminHTTP, _ sandbox: borrowing Sandbox, extra: String = "") async throws -> DaemonProcess {
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            \(http.configSection)
            tasks:
              - name: quick
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("quick.txt"))", message: hi}
              - name: slow
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("slow.txt"))", sleep: 600}
              - name: broken
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("broken.txt"))", fail: true}
            \(extra)
            """)
        let daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        return daemon
    }

    /// Waits until the quick start-up run succeeded and the broken one failed.
    static func waitForStartupRuns(_ sandbox: borrowing Sandbox, _ daemon: DaemonProcess) async throws {
        try await eventually("the quick and broken start-up runs to end\n\((try? sandbox.history()) ?? [])\n\(daemon.log)") {
            let rows = try sandbox.history()
            return rows.contains { $0["task"] as? String == "quick" && $0["status"] as? String == "succeeded" }
                && rows.contains { $0["task"] as? String == "broken" && $0["status"] as? String == "failed" }
        }
    }

    @Test func everyEndpointButHealthRequiresTheRightBearerToken() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try await Self.start(http, sandbox)

        let health = try await http.call("GET", "/health", token: .some(nil))
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        for path in ["/tasks", "/runs", "/metrics", "/ready", "/plugins", "/status"] {
            let missing = try await http.call("GET", path, token: .some(nil))
            #expect(missing.status == 401, "\(path) without a token")
            #expect(missing.errorCode == "unauthorized")
            #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            let wrong = try await http.call("GET", path, token: .some(http.token + "x"))
            #expect(wrong.status == 401, "\(path) with a wrong token")
            #expect((wrong.json["error"] as? [String: Any])?["message"] as? String == "invalid bearer token")
            let right = try await http.call("GET", path)
            #expect(right.status != 401, "\(path) with the right token")
        }
        let post = try await http.call("POST", "/tasks/quick/run", token: .some(nil))
        #expect(post.status == 401, "actions need the token too")
        #expect(try await http.call("POST", "/reload", token: .some("")).status == 401)

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func tasksRunsPluginsAndReadinessAnswerWithJSON() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try await Self.start(http, sandbox)
        try await Self.waitForStartupRuns(sandbox, daemon)

        let tasks = try await http.call("GET", "/tasks")
        #expect(tasks.status == 200)
        #expect(tasks.headers["content-type"]?.hasPrefix("application/json") == true)
        let list = try #require(tasks.json["tasks"] as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == ["quick", "slow", "broken"])
        let slow = try #require(list.first { $0["name"] as? String == "slow" })
        #expect(slow["plugin"] as? String == "stamp")
        #expect(slow["timezone"] as? String == "UTC")
        #expect(slow["enabled"] as? Bool == true)
        #expect(slow["paused"] as? Bool == false)
        #expect(slow["running"] as? Int == 1)
        #expect((slow["last_run"] as? [String: Any])?["status"] as? String == "running")

        let quick = try await http.call("GET", "/tasks/quick")
        #expect(quick.status == 200)
        #expect((quick.json["last_run"] as? [String: Any])?["status"] as? String == "succeeded")
        let unknown = try await http.call("GET", "/tasks/nope")
        #expect(unknown.status == 404)
        #expect(unknown.errorCode == "task_not_found")
        #expect(try await http.call("POST", "/tasks/nope/run").status == 404)
        #expect(try await http.call("POST", "/tasks/nope/pause").status == 404)
        let noRoute = try await http.call("GET", "/nothing-here")
        #expect(noRoute.status == 404)
        #expect(noRoute.errorCode == "not_found")
        let wrongMethod = try await http.call("PATCH", "/tasks/quick")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.errorCode == "method_not_allowed")
        #expect(wrongMethod.headers["allow"] == "GET, PUT, DELETE")
        #expect(try await http.call("GET", "/tasks/quick/run").headers["allow"] == "POST")

        // Runs: filters, pagination and bad parameters.
        let failed = try await http.call("GET", "/runs?task=broken&status=failed")
        let failedRuns = try #require(failed.json["runs"] as? [[String: Any]])
        #expect(failedRuns.count == 1)
        #expect(failedRuns.first?["error"] as? String == "failing as configured")
        let firstPage = try await http.call("GET", "/runs?limit=2")
        let firstRuns = try #require(firstPage.json["runs"] as? [[String: Any]])
        #expect(firstRuns.count == 2)
        let cursor = try #require(firstPage.json["next_before"] as? Int)
        let secondRuns = try #require(try await http.call("GET", "/runs?limit=2&before=\(cursor)").json["runs"] as? [[String: Any]])
        #expect(secondRuns.count == 1, "three start-up rows in all")
        let ids = (firstRuns + secondRuns).compactMap { $0["id"] as? Int }
        #expect(ids == ids.sorted(by: >), "newest first")
        #expect(try await http.call("GET", "/runs?since=2000-01-01T00:00:00Z").json["runs"] as? [[String: Any]] != nil)
        #expect((try await http.call("GET", "/runs?since=4000000000").json["runs"] as? [[String: Any]])?.isEmpty == true)
        for bad in ["/runs?status=bogus", "/runs?limit=0", "/runs?limit=x", "/runs?since=yesterday", "/runs?before=-3",
                    "/runs/abc", "/runs/99999999999999999999999", "/tasks/quick/run?force=maybe"] {
            let answer = try await http.call(bad.hasSuffix("maybe") ? "POST" : "GET", bad)
            #expect(answer.status == 400, "\(bad)")
            #expect(answer.errorCode == "bad_request", "\(bad)")
        }
        let missingRun = try await http.call("GET", "/runs/99999")
        #expect(missingRun.status == 404)
        #expect(missingRun.errorCode == "run_not_found")
        let one = try await http.call("GET", "/runs/\(ids[0])")
        #expect(one.status == 200)
        #expect(one.json["id"] as? Int == ids[0])

        let plugins = try await http.call("GET", "/plugins")
        let plugin = try #require((plugins.json["plugins"] as? [[String: Any]])?.first)
        #expect(plugin["name"] as? String == "stamp")
        #expect(plugin["tasks"] as? [String] == ["quick", "slow", "broken"])
        #expect((plugins.json["rejected"] as? [Any])?.isEmpty == true)

        let ready = try await http.call("GET", "/ready")
        #expect(ready.status == 200)
        #expect(ready.json["status"] as? String == "ready")
        #expect(ready.json["checks"] as? [String: Bool] == ["database": true, "scheduler": true, "config": true])

        let status = try await http.call("GET", "/status")
        #expect(status.status == 200)
        #expect((status.json["running"] as? [[String: Any]])?.first?["task"] as? String == "slow")

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func triggerRespectsOverlapUnlessForcedAndCancelAndRetryFollowTheRunsState() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try await Self.start(http, sandbox)
        try await eventually("the slow start-up run to be running") {
            try sandbox.history(task: "slow").contains { $0["status"] as? String == "running" }
        }
        let first = try #require(try sandbox.history(task: "slow").first?["id"] as? Int)

        let skipped = try await http.call("POST", "/tasks/slow/run")
        #expect(skipped.status == 409)
        #expect(skipped.errorCode == "skipped")
        let forced = try await http.call("POST", "/tasks/slow/run?force=true")
        #expect(forced.status == 202)
        #expect(forced.json["status"] as? String == "running")
        let forcedID = try #require(forced.json["run_id"] as? Int)

        let notFinished = try await http.call("POST", "/runs/\(forcedID)/retry")
        #expect(notFinished.status == 409)
        #expect(notFinished.errorCode == "run_not_finished")

        for id in [first, forcedID] {
            let cancel = try await http.call("POST", "/runs/\(id)/cancel")
            #expect(cancel.status == 202)
            #expect(cancel.json["status"] as? String == "stopping")
        }
        for id in [first, forcedID] {
            let run = try await http.waitForEnd(of: id)
            #expect(run["status"] as? String == "cancelled")
            #expect((run["error"] as? String)?.hasPrefix("cancelled by an operator") == true)
        }
        let again = try await http.call("POST", "/runs/\(first)/cancel")
        #expect(again.status == 409)
        #expect(again.errorCode == "run_not_active")
        #expect(try await http.call("POST", "/runs/99999/cancel").status == 404)

        // Retry a finished failure: a new manual run whose context names the original.
        let broken = try #require(try sandbox.history(task: "broken").first?["id"] as? Int)
        _ = try await http.waitForEnd(of: broken)
        let retried = try await http.call("POST", "/runs/\(broken)/retry")
        #expect(retried.status == 202)
        let retryID = try #require(retried.json["run_id"] as? Int)
        #expect(retryID != broken)
        let quick = try #require(try sandbox.history(task: "quick").first?["id"] as? Int)
        _ = try await http.waitForEnd(of: quick)
        let quickRetry = try #require(try await http.call("POST", "/runs/\(quick)/retry").json["run_id"] as? Int)
        let ended = try await http.waitForEnd(of: quickRetry)
        #expect(ended["trigger"] as? String == "manual")
        #expect((ended["output"] as? String)?.contains("retry_of") == true, "\(ended)")
        #expect((ended["output"] as? String)?.contains("\(quick)") == true)

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func aPauseSurvivesARestart() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        var daemon = try await Self.start(http, sandbox)
        let paused = try await http.call("POST", "/tasks/quick/pause")
        #expect(paused.status == 200)
        #expect(paused.json["paused"] as? Bool == true)
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)

        daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        let task = try await http.call("GET", "/tasks/quick")
        #expect(task.json["paused"] as? Bool == true)
        try await eventually("the paused task's start-up run to be skipped") {
            try sandbox.history(task: "quick").contains {
                $0["status"] as? String == "skipped" && ($0["error"] as? String)?.hasPrefix("paused") == true
            }
        }
        // A manual run of a paused task still runs.
        let manual = try await http.call("POST", "/tasks/quick/run")
        #expect(manual.status == 202)
        let resumed = try await http.call("POST", "/tasks/quick/resume")
        #expect(resumed.json["paused"] as? Bool == false)
        #expect(try await http.call("GET", "/tasks/quick").json["paused"] as? Bool == false)
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func aBrokenReloadReturnsTheErrorsAndTheOldConfigurationKeepsRunning() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try await Self.start(http, sandbox)

        let good = try String(contentsOf: sandbox.configFile, encoding: .utf8)
        try (good + "    colour: red\n").write(to: sandbox.configFile, atomically: true, encoding: .utf8)
        let failed = try await http.call("POST", "/reload")
        #expect(failed.status == 422)
        #expect(failed.errorCode == "config_invalid")
        let diagnostics = try #require(failed.json["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        #expect((diagnostics.first?["message"] as? String)?.contains("unknown key \"colour\"") == true)
        #expect(diagnostics.first?["line"] as? Int != nil)
        #expect((diagnostics.first?["text"] as? String)?.contains("config.yaml:") == true)
        // The old generation still runs and answers.
        let run = try await http.call("POST", "/tasks/quick/run")
        #expect(run.status == 202)
        let cli = try sandbox.cli(["reload", "--config", sandbox.configFile.path])
        #expect(cli.status == 2)
        #expect(cli.stderr.contains("unknown key \"colour\""), "\(cli.stderr)")

        try (good + """
              - name: newcomer
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("new.txt"))"}

            """).write(to: sandbox.configFile, atomically: true, encoding: .utf8)
        let applied = try await http.call("POST", "/reload")
        #expect(applied.status == 200)
        #expect(applied.json["added"] as? [String] == ["newcomer"])
        #expect(applied.json["generation"] as? Int == 2)
        #expect(try await http.call("GET", "/tasks/newcomer").status == 200)

        let metrics = prometheusSeries(try await http.call("GET", "/metrics").text)
        #expect(metrics["housekeeper_reloads_total{result=\"failed\"}"] == 2)
        #expect(metrics["housekeeper_reloads_total{result=\"applied\"}"] == 1)
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func metricsCountKnownRuns() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try await Self.start(http, sandbox)
        try await Self.waitForStartupRuns(sandbox, daemon)
        let manual = try #require(try await http.call("POST", "/tasks/quick/run").json["run_id"] as? Int)
        _ = try await http.waitForEnd(of: manual)
        #expect(try await http.call("POST", "/tasks/slow/run").status == 409, "skipped by overlap")

        let answer = try await http.call("GET", "/metrics")
        #expect(answer.headers["content-type"]?.hasPrefix("text/plain") == true)
        let series = prometheusSeries(answer.text)
        #expect(series["housekeeper_runs_total{task=\"quick\",status=\"succeeded\"}"] == 2)
        #expect(series["housekeeper_runs_total{task=\"broken\",status=\"failed\"}"] == 1)
        #expect(series["housekeeper_runs_total{task=\"slow\",status=\"skipped\"}"] == 1)
        #expect(series["housekeeper_skipped_total{task=\"slow\",reason=\"overlap\"}"] == 1)
        #expect(series["housekeeper_run_duration_seconds_count{task=\"quick\"}"] == 2)
        #expect(series["housekeeper_fire_lateness_seconds_count"] ?? 0 >= 4)
        #expect(series["housekeeper_running{task=\"slow\"}"] == 1)
        #expect(series["housekeeper_running{task=\"quick\"}"] == 0)
        #expect(series["housekeeper_queued"] == 0)
        #expect(series["housekeeper_plugins_loaded"] == 1)
        #expect(series["housekeeper_last_success_timestamp_seconds{task=\"quick\"}"] ?? 0 > 1_700_000_000)
        #expect(series["housekeeper_last_success_timestamp_seconds{task=\"broken\"}"] == nil)
        #expect(series["process_resident_memory_bytes"] ?? 0 > 1_000_000)
        #expect(series["process_cpu_seconds_total"] != nil)
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func aNonLoopbackAddressWithoutATokenIsRefused() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        let port = try AdminHTTP.freePort()
        // The daemon refuses before binding: nothing ever listens on 0.0.0.0.
        try sandbox.writeConfig("""
            api:
              listen: 0.0.0.0:\(port)
            tasks:
              - name: quick
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("quick.txt"))"}
            """)
        let daemon = try sandbox.start()
        #expect(try await daemon.waitForExit() == 2)
        #expect(daemon.log.contains("refusing to serve the admin API on 0.0.0.0:\(port)"), "\(daemon.log)")
    }

    @Test func aPortInUseStopsTheStartWithAClearMessage() async throws {
        let first = try Sandbox()
        let http = try AdminHTTP()
        let running = try await Self.start(http, first)
        let second = try Sandbox()
        let other = try await Self.startExpectingFailure(http, second)
        #expect(other.status == 2)
        #expect(other.log.contains("cannot serve the admin API on 127.0.0.1:\(http.port)"), "\(other.log)")
        #expect(try await http.call("GET", "/health").status == 200, "the first daemon is untouched")
        running.send(SIGTERM)
        #expect(try await running.waitForExit() == 0)
    }

    /// Starts a daemon that must refuse to start; returns its exit status and log.
    static func startExpectingFailure(_ http: AdminHTTP, _ sandbox: borrowing Sandbox) async throws
        -> (status: Int32, log: String)
    {
        try sandbox.install("libStampPlugin.so")
        try sandbox.writeConfig("""
            \(http.configSection)
            tasks:
              - name: quick
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("quick.txt"))"}
            """)
        let daemon = try sandbox.start()
        let status = try await daemon.waitForExit()
        #expect(!daemon.log.contains("run.started"), "nothing ran")
        return (status, daemon.log)
    }
}
