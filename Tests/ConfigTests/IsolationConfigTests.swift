import Config
import Testing

/// The worker-process settings: `isolation` (task, plugin, global), `limits`, `env`, `working_directory`.
/// Tasks start with `startup: true` so these hold with or without the cron engine.
struct IsolationConfigTests {
    @Test func aTaskSettingBeatsThePluginSettingWhichBeatsTheGlobalDefault() throws {
        let config = try #require(Fixture.config("""
            isolation: process
            plugins:
              isolation: {stamp: in-process}
            tasks:
              - {name: a, plugin: stamp, startup: true}
              - {name: b, plugin: stamp, startup: true, isolation: process}
              - {name: c, plugin: other, startup: true}
            """))
        #expect(config.isolation == .process)
        #expect(config.pluginIsolation == ["stamp": .inProcess])
        #expect(config.tasks.map(\.isolation) == [.inProcess, .process, .process])
    }

    @Test func tasksRunInProcessByDefault() throws {
        let config = try #require(Fixture.config("tasks:\n  - {name: a, plugin: p, startup: true}\n"))
        #expect(config.tasks[0].isolation == .inProcess)
        #expect(config.tasks[0].limits.isEmpty)
        #expect(config.tasks[0].environment.isEmpty)
        #expect(config.tasks[0].workingDirectory == nil)
    }

    @Test func workerSettingsAreTyped() throws {
        let config = try #require(Fixture.config("""
            tasks:
              - name: a
                plugin: p
                startup: true
                isolation: process
                limits: {memory: 512MiB, cpu_seconds: 600, open_files: 256}
                env: {LANG: C.UTF-8, RETRIES: 3}
                working_directory: work/a
            """))
        let task = config.tasks[0]
        #expect(task.limits == ResourceLimits(memoryBytes: 512 << 20, cpuSeconds: 600, openFiles: 256))
        #expect(task.environment == ["LANG": "C.UTF-8", "RETRIES": "3"])
        #expect(task.workingDirectory == Fixture.base + "/work/a")
    }

    @Test(arguments: [
        ("512MiB", UInt64(512 << 20)), ("2GiB", UInt64(2) << 30), ("64MB", UInt64(64_000_000)),
        ("1048576", UInt64(1 << 20)), ("4 MiB", UInt64(4 << 20)),
    ])
    func memorySizesAcceptBinaryAndDecimalUnits(text: String, bytes: UInt64) throws {
        let config = try #require(Fixture.config("""
            tasks:
              - {name: a, plugin: p, startup: true, isolation: process, limits: {memory: \(text)}}
            """))
        #expect(config.tasks[0].limits.memoryBytes == bytes)
    }

    @Test func everyWorkerSettingOnAnInProcessTaskIsReported() {
        let found = Fixture.rendered("""
            tasks:
              - name: a
                plugin: p
                startup: true
                limits: {memory: 64MiB}
                env: {A: b}
                working_directory: /tmp
            """)
        #expect(found.count == 3)
        #expect(found.allSatisfy { $0.contains("only applies with isolation: process") })
    }
}
