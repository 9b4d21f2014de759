@testable import Config
import Testing

/// Runtime tasks (issue 9): a JSON definition is read for its shape, then validated with the file exactly like the
/// file's tasks; problems in it point at the JSON member, and a name in both places is an error naming both.
struct RuntimeTaskConfigTests {
    static let file = """
        groups:
          nightly: {max_running: 1}
        tasks:
          - name: filed
            plugin: stamp
            every: 1h
        """

    static func load(_ runtime: [RuntimeTaskSource], file: String = RuntimeTaskConfigTests.file) throws(ConfigErrors)
        -> HousekeeperConfig
    {
        try ConfigLoader.parse(
            text: file, file: "config.yaml", absoluteFile: "/etc/housekeeper/config.yaml",
            baseDirectory: "/etc/housekeeper", environment: [:], runtimeTasks: runtime)
    }

    static func errors(_ runtime: [RuntimeTaskSource], file: String = RuntimeTaskConfigTests.file) -> [ConfigDiagnostic] {
        do {
            _ = try load(runtime, file: file)
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }
        }
    }

    @Test func aDefinitionIsReadForItsNameAndRewrittenAsCompactJSON() throws {
        let json = try RuntimeTaskSource.parse(#"{ "name" : "cleanup", "plugin": "files", "every": "15m", "priority": 7 }"#)
        #expect(json.name == "cleanup")
        #expect(json.definition == #"{"name":"cleanup","plugin":"files","every":"15m","priority":7}"#)
        // The CLI sends YAML files the same way: plain scalars keep their YAML types.
        let yaml = try RuntimeTaskSource.parse("name: cleanup\nplugin: files\nevery: 15m\nenabled: false\n", origin: "t.yaml")
        #expect(yaml.definition == #"{"name":"cleanup","plugin":"files","every":"15m","enabled":false}"#)
    }

    @Test func aDefinitionWithoutAValidNameOrNotAnObjectIsRefusedWithAPointer() {
        func problem(_ text: String) -> ConfigDiagnostic? {
            do {
                _ = try RuntimeTaskSource.parse(text)
                return nil
            } catch {
                return error.diagnostics.first
            }
        }
        #expect(problem(#"["name"]"#)?.location.pointer == "")
        #expect(problem(#"{"plugin": "files"}"#)?.message.contains("has no \"name\"") == true)
        let badName = problem(#"{"name": "no spaces please"}"#)
        #expect(badName?.location.pointer == "/name")
        #expect(badName?.description.hasPrefix("request body#/name: error: invalid task name") == true)
        let syntax = problem(#"{"name": "x", "#)
        #expect(syntax?.location.pointer == nil, "a syntax error has a line and column instead")
        #expect((syntax?.location.line ?? 0) >= 1)
        #expect(problem("  ")?.message.contains("empty") == true)
    }

    @Test func aRuntimeTaskIsLoadedWithTheFileAndMarkedAPI() throws {
        let config = try Self.load([RuntimeTaskSource(
            name: "cleanup", definition: #"{"name":"cleanup","plugin":"files","every":"15m","group":"nightly","after":["filed"]}"#)])
        #expect(config.tasks.map(\.name) == ["filed", "cleanup"])
        #expect(config.tasks.map(\.source) == [.config, .api])
        let cleanup = try #require(config.tasks.last)
        #expect(cleanup.group == "nightly", "a runtime task uses the file's groups")
        #expect(cleanup.location.description == "api/tasks/cleanup#")
        #expect(cleanup.pluginLocation.description == "api/tasks/cleanup#/plugin")
    }

    @Test func problemsInADefinitionPointAtTheirJSONMember() {
        let errors = Self.errors([RuntimeTaskSource(name: "bad", definition: """
            {"name": "bad", "plugin": "files", "every": "15 minutes", "retry": {"attempts": 0},
             "group": "nightlly", "window": ["Mon-Fri 09:00-17:00", "Someday"], "config": {"path": "/tmp"}, "bogus": 1}
            """)])
        let pointers = errors.map { $0.location.pointer }
        #expect(pointers.allSatisfy { $0 != nil }, "\(errors)")
        #expect(Set(pointers.compactMap { $0 }) == ["/every", "/retry/attempts", "/group", "/window/1", "/bogus"])
        #expect(errors.allSatisfy { $0.location.file == "api/tasks/bad" })
        let attempts = errors.first { $0.location.pointer == "/retry/attempts" }
        #expect(attempts?.description == #"api/tasks/bad#/retry/attempts: error: "attempts" in "retry" in task "bad" must be at least 1, found 0"#)
        #expect(errors.first { $0.location.pointer == "/group" }?.message.contains("did you mean \"nightly\"") == true)
    }

    @Test func aNameInTheFileAndAtRuntimeIsAnErrorNamingBothPlaces() {
        let errors = Self.errors([RuntimeTaskSource(name: "filed", definition: #"{"name":"filed","plugin":"files","every":"5m"}"#)])
        #expect(errors.count == 1)
        let clash = errors.first
        #expect(clash?.location.description == "config.yaml:4:11", "reported at the file's task")
        #expect(clash?.message.contains("as a runtime task added through the API (api/tasks/filed)") == true)
        #expect(clash?.message.contains("housekeeper task remove filed") == true)
        // Two file tasks with one name keep their own message.
        let twice = Fixture.rendered("tasks:\n  - {name: a, plugin: p, every: 1m}\n  - {name: a, plugin: p, every: 1m}\n")
        #expect(twice.first?.contains("duplicate task name \"a\" (first used on line 2)") == true)
    }

    @Test func aFileTaskMayDependOnARuntimeTaskAndErrorsInBothAreAllReported() {
        let file = Self.file + "\n  - {name: after-api, plugin: stamp, after: [cleanup]}\n  - {name: broken, plugin: stamp}\n"
        let errors = Self.errors(
            [RuntimeTaskSource(name: "cleanup", definition: #"{"name":"cleanup","plugin":"files","every":"-1m"}"#)],
            file: file)
        #expect(errors.map(\.location.file) == ["config.yaml", "api/tasks/cleanup"], "the file's first: \(errors)")
        #expect(errors.first?.message.contains("has nothing that starts it") == true)
        #expect(errors.last?.location.pointer == "/every")
    }

    @Test func pointersMapBackToLinesOfTheFileTheOperatorWrote() {
        let locations = RuntimeTaskSource.locations(
            in: "name: x\nplugin: files\nretry:\n  attempts: 0\nwindow:\n  - Mon 09:00-10:00\n", file: "task.yaml")
        #expect(locations["/retry/attempts"]?.description == "task.yaml:4:3")
        #expect(locations["/window/0"]?.description == "task.yaml:6:5")
        #expect(locations[""]?.description == "task.yaml:1:1")
    }
}
