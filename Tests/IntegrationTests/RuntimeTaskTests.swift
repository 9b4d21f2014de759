import Foundation
import Testing

/// Tasks managed at runtime through the real admin API (issue 9): stored in the real SQLite file, surviving
/// restarts, validated like YAML with JSON-pointer errors, read-only YAML tasks, clashes on reload, planned runs.
@Suite(.serialized) struct RuntimeTaskTests {
    /// A daemon with the stamp plugin, the API on a free port, and one YAML task `filed` (hourly).
    static func start(_ http: AdminHTTP, _ sandbox: borrowing Sandbox, extra: String = "") throws -> DaemonProcess {
        try sandbox.install("libStampPlugin.so")
        try writeConfig(http, sandbox, extra: extra)
        return try sandbox.start()
    }

    static func writeConfig(_ http: AdminHTTP, _ sandbox: borrowing Sandbox, extra: String = "") throws {
        try sandbox.writeConfig("""
            \(http.configSection)
            groups:
              nightly: {max_running: 1}
            tasks:
              - name: filed
                plugin: stamp
                every: 1h
                config: {file: "\(sandbox.path("filed.txt"))"}
            \(extra)
            """)
    }

    static func runtimeTask(_ name: String, file: String, schedule: String = "* * * * * *") -> String {
        """
        {"name": "\(name)", "plugin": "stamp", "schedule": "\(schedule)", "config": {"file": "\(file)"}}
        """
    }

    @Test func aTaskAddedOverHTTPRunsIsStoredAndSurvivesRestartsUntilRemoved() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        var daemon = try Self.start(http, sandbox)
        try await daemon.waitFor("api.listening")

        let added = try await http.call("POST", "/tasks", body: Self.runtimeTask("pulse", file: sandbox.path("pulse.txt")))
        #expect(added.status == 201, "\(added.text)")
        #expect(added.headers["location"] == "/tasks/pulse")
        #expect(added.json["source"] as? String == "api")
        #expect(added.json["schedule"] as? String == "* * * * * *")
        try await eventually("pulse to run from its schedule") {
            try sandbox.history(task: "pulse").contains { $0["status"] as? String == "succeeded" }
        }
        let apiOnly = try await http.call("GET", "/tasks?source=api").json["tasks"] as? [[String: Any]]
        #expect(apiOnly?.compactMap { $0["name"] as? String } == ["pulse"])
        let configOnly = try await http.call("GET", "/tasks?source=config").json["tasks"] as? [[String: Any]]
        #expect(configOnly?.compactMap { $0["name"] as? String } == ["filed"])
        #expect(try await http.call("GET", "/tasks?source=elsewhere").status == 400)

        // A reload re-reads the file and keeps the runtime task.
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.applied")
        #expect(try await http.call("GET", "/tasks/pulse").json["source"] as? String == "api")

        // A restart: the task comes back from SQLite, marked api, with its definition, and runs again.
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let before = try sandbox.history(task: "pulse").count
        daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        let shown = try await http.call("GET", "/tasks/pulse")
        #expect(shown.status == 200)
        #expect(shown.json["source"] as? String == "api")
        #expect((shown.json["definition"] as? String)?.contains("\"plugin\":\"stamp\"") == true)
        try await eventually("pulse to run after the restart") { try sandbox.history(task: "pulse").count > before }

        // Replaced: the next runs write where the new definition says.
        let replaced = try await http.call(
            "PUT", "/tasks/pulse", body: Self.runtimeTask("pulse", file: sandbox.path("pulse-2.txt")))
        #expect(replaced.status == 200, "\(replaced.text)")
        try await eventually("the replaced definition to run") {
            FileManager.default.fileExists(atPath: sandbox.path("pulse-2.txt"))
        }

        // Removed: gone from the API and from the next start, its history kept.
        let removed = try await http.call("DELETE", "/tasks/pulse")
        #expect(removed.status == 200, "\(removed.text)")
        #expect(try await http.call("GET", "/tasks/pulse").status == 404)
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let rows = try sandbox.history(task: "pulse")
        #expect(rows.count > before)
        daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        #expect(try await http.call("GET", "/tasks/pulse").status == 404)
        #expect(try await http.call("DELETE", "/tasks/pulse").status == 404)
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func invalidDefinitionsGet422WithJSONPointersAndYAMLTasksAreReadOnly() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try Self.start(http, sandbox)
        try await daemon.waitFor("api.listening")

        let invalid = try await http.call("POST", "/tasks", body: """
            {"name": "bad", "plugin": "stamp", "every": "5m", "retry": {"attempts": 0}, "bogus": 1,
             "group": "nightlly", "config": {"file": "\(sandbox.path("bad.txt"))"}}
            """)
        #expect(invalid.status == 422, "\(invalid.text)")
        #expect(invalid.errorCode == "task_invalid")
        let problems = try #require(invalid.json["problems"] as? [[String: Any]])
        let pointers = Set(problems.compactMap { $0["pointer"] as? String })
        #expect(pointers == ["/retry/attempts", "/bogus", "/group"], "\(problems)")
        let texts = problems.compactMap { $0["text"] as? String }
        #expect(texts.contains { $0.hasPrefix("/retry/attempts: ") && $0.contains("must be at least 1") }, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("/group: ") && $0.contains("did you mean \"nightly\"") }, "\(texts)")

        let unknownPlugin = try await http.call(
            "POST", "/tasks", body: #"{"name": "ghost", "plugin": "nope", "every": "5m"}"#)
        #expect(unknownPlugin.status == 422)
        #expect((unknownPlugin.json["problems"] as? [[String: Any]])?.first?["pointer"] as? String == "/plugin")
        let rejectedConfig = try await http.call("POST", "/tasks", body: #"{"name": "nofile", "plugin": "stamp", "every": "5m"}"#)
        #expect(rejectedConfig.status == 422, "the plugin's create refuses a config without file")
        let syntax = try await http.call("POST", "/tasks", body: #"{"name": "broken", "plugin": "#)
        #expect(syntax.status == 422)
        #expect(try await http.call("POST", "/tasks", body: "").status == 400)
        let nameless = try await http.call("POST", "/tasks", body: #"{"plugin": "stamp"}"#)
        #expect(nameless.status == 422)

        // Nothing of it was stored or scheduled.
        let listed = try await http.call("GET", "/tasks?source=api").json["tasks"] as? [[String: Any]]
        #expect(listed?.isEmpty == true)

        // Tasks from the file are read-only: 409 saying to edit the file.
        for (method, path) in [("POST", "/tasks"), ("PUT", "/tasks/filed"), ("DELETE", "/tasks/filed")] {
            let answer = try await http.call(method, path, body: Self.runtimeTask("filed", file: sandbox.path("x.txt")))
            #expect(answer.status == 409, "\(method) \(path): \(answer.text)")
            #expect(answer.errorCode == "task_in_config")
            let message = (answer.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("config.yaml:") && message.contains("edit the file"), "\(message)")
        }
        // Adding a name twice, or renaming through PUT, is refused too.
        #expect(try await http.call("POST", "/tasks", body: Self.runtimeTask("twice", file: sandbox.path("t.txt"))).status == 201)
        let again = try await http.call("POST", "/tasks", body: Self.runtimeTask("twice", file: sandbox.path("t.txt")))
        #expect(again.status == 409)
        #expect(again.errorCode == "task_exists")
        let renamed = try await http.call("PUT", "/tasks/twice", body: Self.runtimeTask("other", file: sandbox.path("t.txt")))
        #expect(renamed.status == 422)
        #expect(renamed.errorCode == "name_mismatch")
        #expect(try await http.call("PUT", "/tasks/absent", body: Self.runtimeTask("absent", file: sandbox.path("t.txt"))).status == 404)

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func aReloadOrStartThatBringsANameClashIsRefusedNamingBothPlaces() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        var daemon = try Self.start(http, sandbox)
        try await daemon.waitFor("api.listening")
        #expect(try await http.call("POST", "/tasks", body: Self.runtimeTask("twin", file: sandbox.path("api-twin.txt"))).status == 201)

        try Self.writeConfig(http, sandbox, extra: """
              - name: twin
                plugin: stamp
                every: 1h
                config: {file: "\(sandbox.path("yaml-twin.txt"))"}
            """)
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.failed")
        #expect(daemon.log.contains("is defined both in this file and as a runtime task added through the API (api/tasks/twin)"))
        #expect(daemon.log.contains("config.yaml:18:11: error: task \"twin\" is defined both"), "the YAML line is named")
        // The runtime task keeps running under the kept configuration.
        let count = try sandbox.history(task: "twin").count
        try await eventually("twin to keep running") { try sandbox.history(task: "twin").count > count }
        let reload = try sandbox.cli(["reload", "--config", sandbox.configFile.path])
        #expect(reload.status == 2)
        #expect(reload.stderr.contains("api/tasks/twin"), "\(reload.stderr)")

        // A start with the clash is refused the same way; removing the runtime task offline fixes it.
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        daemon = try sandbox.start()
        #expect(try await daemon.waitForExit() == 2)
        #expect(daemon.log.contains("api/tasks/twin"), "\(daemon.log)")
        #expect(daemon.log.contains("housekeeper task remove NAME --database"), "\(daemon.log)")
        let removed = try sandbox.cli(["task", "remove", "twin", "--database", sandbox.database.path])
        #expect(removed.status == 0, "\(removed.stderr)")
        daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        let twin = try await http.call("GET", "/tasks/twin")
        #expect(twin.json["source"] as? String == "config")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func runsPlannedWithDelayOrAtAndConfigOverridesRunOnceAndSurviveARestart() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        var daemon = try Self.start(http, sandbox)
        try await daemon.waitFor("api.listening")

        // Now, with a config override: this run writes elsewhere, the task's own config is untouched.
        let now = try await http.call(
            "POST", "/tasks/filed/run", body: #"{"config": {"file": "\#(sandbox.path("override-now.txt"))"}}"#)
        #expect(now.status == 202, "\(now.text)")
        let nowID = try #require(now.json["run_id"] as? Int)
        #expect(try await http.waitForEnd(of: nowID)["status"] as? String == "succeeded")
        #expect(FileManager.default.fileExists(atPath: sandbox.path("override-now.txt")))
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("filed.txt")))

        // Later, by delay: planned (stored), then run once as a manual run.
        let planned = try await http.call(
            "POST", "/tasks/filed/run", body: #"{"delay": "1s", "config": {"file": "\#(sandbox.path("later.txt"))"}}"#)
        #expect(planned.status == 202, "\(planned.text)")
        #expect(planned.json["status"] as? String == "planned")
        try await eventually("the planned run to run") {
            FileManager.default.fileExists(atPath: sandbox.path("later.txt"))
        }
        try await eventually("the planned run to be recorded") {
            try sandbox.history(task: "filed").filter { $0["trigger"] as? String == "manual" }.count == 2
        }

        // A run planned an hour ahead survives a restart; removing nothing, it is still listed.
        let due = "2099-01-01T00:00:00Z"
        let far = try await http.call("POST", "/tasks/filed/run", body: #"{"at": "\#(due)"}"#)
        #expect(far.status == 202)
        #expect(far.json["due_at"] as? String == "2099-01-01T00:00:00.000000Z")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        let shown = try await http.call("GET", "/tasks/filed").json
        let plans = try #require(shown["planned_runs"] as? [[String: Any]])
        #expect(plans.count == 1)
        #expect(plans.first?["due_at"] as? String == "2099-01-01T00:00:00.000000Z")
        #expect(daemon.log.contains("run.planned.restored"))
        // Cancelled: gone from the list and from the next start; a second cancel finds nothing.
        let plannedID = try #require(plans.first?["id"] as? Int)
        #expect(try await http.call("DELETE", "/tasks/other/planned/\(plannedID)").status == 404)
        let cancelled = try await http.call("DELETE", "/tasks/filed/planned/\(plannedID)")
        #expect(cancelled.status == 200, "\(cancelled.text)")
        #expect(try await http.call("DELETE", "/tasks/filed/planned/\(plannedID)").status == 404)
        #expect((try await http.call("GET", "/tasks/filed").json["planned_runs"] as? [Any])?.isEmpty == true)

        // Bad options and a config the plugin refuses: clear errors, nothing planned or run.
        let both = try await http.call("POST", "/tasks/filed/run", body: #"{"at": "\#(due)", "delay": "1m"}"#)
        #expect(both.status == 422)
        #expect(try await http.call("POST", "/tasks/filed/run", body: #"{"dely": "1m"}"#).status == 422)
        #expect(try await http.call("POST", "/tasks/filed/run", body: #"{"at": "tomorrow"}"#).status == 422)
        let refused = try await http.call("POST", "/tasks/filed/run", body: #"{"config": {"file": null}}"#)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.errorCode == "config_invalid")
        #expect(try await http.call("POST", "/tasks/nope/run", body: #"{"delay": "1m"}"#).status == 404)

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func aWorkerTaskRunsWithItsOverrideAndRuntimeTasksCanBeSwitchedOff() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try Self.start(http, sandbox, extra: """
              - name: isolated
                plugin: stamp
                every: 1h
                isolation: process
                config: {file: "\(sandbox.path("isolated.txt"))"}
            """)
        try await daemon.waitFor("api.listening")
        let run = try await http.call(
            "POST", "/tasks/isolated/run", body: #"{"config": {"file": "\#(sandbox.path("isolated-override.txt"))"}}"#)
        #expect(run.status == 202, "\(run.text)")
        let id = try #require(run.json["run_id"] as? Int)
        #expect(try await http.waitForEnd(of: id)["status"] as? String == "succeeded")
        #expect(FileManager.default.fileExists(atPath: sandbox.path("isolated-override.txt")), "the worker got the merged config")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("isolated.txt")))

        // api.runtime_tasks: false - the file is the only source; changes are refused with 403.
        let text = try String(contentsOf: sandbox.configFile, encoding: .utf8)
            .replacingOccurrences(of: "  token: \(http.token)\n", with: "  token: \(http.token)\n  runtime_tasks: false\n")
        try text.write(to: sandbox.configFile, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        try await daemon.waitFor("reload.applied")
        let refused = try await http.call("POST", "/tasks", body: Self.runtimeTask("late", file: sandbox.path("l.txt")))
        #expect(refused.status == 403, "\(refused.text)")
        #expect(refused.errorCode == "runtime_tasks_disabled")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func theTaskCommandsShowRefusalsAtTheirLineInTheFile() async throws {
        let sandbox = try Sandbox()
        let http = try AdminHTTP()
        let daemon = try Self.start(http, sandbox)
        try await daemon.waitFor("api.listening")
        let file = sandbox.path("task.yaml")
        try """
            name: from-file
            plugin: stamp
            every: 10m
            retry:
              attempts: 0
            config:
              file: \(sandbox.path("from-file.txt"))
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let config = ["--config", sandbox.configFile.path]
        let refused = try sandbox.cli(["task", "add", file] + config)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("\(file):5:3: error:"), "\(refused.stderr)")
        #expect(refused.stderr.contains("must be at least 1"))

        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "attempts: 0", with: "attempts: 2")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let added = try sandbox.cli(["task", "add", file] + config)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.hasPrefix("added from-file"))
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "every: 10m", with: "every: 5m")
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try sandbox.cli(["task", "update", file] + config).status == 0)
        let shown = try sandbox.cli(["task", "show", "from-file"] + config)
        #expect(shown.stdout.contains("api (runtime task)"), "\(shown.stdout)")
        #expect(shown.stdout.contains("every 5m"), "\(shown.stdout)")
        let list = try sandbox.cli(["list"] + config)
        let row = try #require(list.stdout.split(separator: "\n").first { $0.hasPrefix("from-file") })
        #expect(row.hasSuffix("api"), "\(list.stdout)")
        let fromFile = try sandbox.cli(["task", "remove", "filed"] + config)
        #expect(fromFile.status == 2)
        #expect(fromFile.stderr.contains("edit the file"))
        #expect(try sandbox.cli(["task", "remove", "from-file"] + config).status == 0)
        #expect(try sandbox.cli(["task", "show", "from-file"] + config).status == 2)

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }
}
