import Config
import Cron
import Foundation
import Isolation
import Logging
import PluginHost
@testable import Scheduling
import Testing

/// The scheduler's `RunExecutor` for `isolation: process`: a plugin crash in a worker becomes `.crashed`, and
/// the picker sends only `process` tasks to workers.
@Suite(.serialized)
struct WorkerExecutorTests {
    static let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().path
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// A C plugin whose `run` dereferences NULL when the config says `crash`.
    static let source = """
        #include "housekeeper_plugin.h"
        static hk_status c(const hk_create_context *x, void **o, hk_error *e) {
            (void)e; *o = strstr(x->config_json, "crash") ? (void *)1 : 0; return 0; }
        static hk_status r(void *i, const hk_run_context *x, hk_error *e) {
            (void)e; x->api->log(x->host, HK_LOG_WARNING, "running");
            if (i) *(volatile int *)0 = 1;
            return 0; }
        static void d(void *i) { (void)i; }
        static const hk_plugin_descriptor desc = { sizeof(hk_plugin_descriptor), HK_ABI_VERSION,
            HK_ABI_FINGERPRINT_C, "crasher", "1", "", 0, c, r, d, {0, 0, 0, 0} };
        HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t v);
        HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t v) { (void)v; return &desc; }
        """

    /// Builds the plugin, loads it in process, and makes the task (its instance is only used in process).
    static func task(isolation: IsolationMode, config: String, folder: String) throws -> ScheduledTask {
        let plugins = folder + "/plugins"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try source.write(toFile: folder + "/crasher.c", atomically: false, encoding: .utf8)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        cc.arguments = ["-shared", "-fPIC", "-I", root + "/Sources/PluginABI/include", "-o", plugins + "/crasher.so",
                        folder + "/crasher.c"]
        try cc.run()
        cc.waitUntilExit()
        let catalog = PluginLoader(
            options: PluginLoaderOptions(directory: plugins, cacheDirectory: folder + "/cache", allowInsecure: true),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }).load()
        let plugin = try #require(catalog.plugins["crasher"])
        var spec = TaskSpec(name: "t", plugin: "crasher", schedule: nil, cron: nil, configJSON: config)
        spec.isolation = isolation
        spec.timeoutGrace = .seconds(1)
        let instance = try plugin.makeInstance(
            taskName: "t", configJSON: "{}", stateDirectory: folder, logger: Logger(label: "test")).get()
        return ScheduledTask(
            spec: spec, schedule: nil, zone: try TimeZoneRules(identifier: "UTC"), plugin: plugin, instance: instance)
    }

    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hk-worker-executor-\(UUID().uuidString)").path
    }

    @Test func aPluginCrashInAWorkerIsACrashedCompletionAndTheHostLives() async throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let task = try Self.task(isolation: .process, config: "{\"crash\": true}", folder: folder)
        let executor = WorkerExecutor(
            worker: WorkerProcessExecutor(executable: Self.products + "/housekeeper"),
            stateDirectory: { folder + "/tasks/" + $0 })
        let request = RunRequest(taskName: "t", runID: 7, scheduledAt: 0, startedAt: 0, attempt: 1, trigger: .manual)
        let completion = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: executor.execute(
                    task: task, request: request, control: RunControl(), logger: Logger(label: "test")))
            }.start()
        }
        guard case .crashed(let reason, _) = completion else {
            Issue.record("expected a crash, got \(completion)")
            return
        }
        #expect(reason.hasPrefix("SIGSEGV (segmentation fault)"))
        #expect(reason.contains("running"))
    }

    @Test func thePickerSendsOnlyProcessTasksToWorkers() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pick = WorkerExecutor.picker(worker: WorkerExecutor(stateDirectory: { $0 }))
        #expect(pick(try Self.task(isolation: .process, config: "{}", folder: folder)) is WorkerExecutor)
        #expect(pick(try Self.task(isolation: .inProcess, config: "{}", folder: folder)) is InProcessExecutor)
    }
}
