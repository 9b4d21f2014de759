// isolation-bench: what worker-process isolation costs per run, against in-process dispatch, and what a probe
// costs. Not a test: it measures and prints; nothing here asserts a speed.
//
//   swift build --product isolation-bench && .build/debug/isolation-bench [--runs N] [--worker PATH]
//
// It doubles as its own worker and probe host (`isolation-bench worker|probe ...`), and with `--worker PATH`
// also measures spawning another executable in worker mode (e.g. .build/debug/housekeeper).
import Foundation
import Isolation
import Logging
import PluginHost

if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "worker" {
    exit(runWorker(arguments: Array(CommandLine.arguments.dropFirst(2))))
}
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "probe" {
    exit(runProbe(arguments: Array(CommandLine.arguments.dropFirst(2))))
}

let options = BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()))
let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
let plugin = try NoOpPlugin.build()
let request = RunRequest(taskName: "bench", runID: 1, scheduledAt: 0, startedAt: 0, attempt: 1, trigger: .manual)

// In process: the instance is made once (as the daemon does per task); each run is one `run` call.
let loaded = try PluginLoader.openDirect(path: plugin).get()
let instance = try loaded.makeInstance(taskName: "bench", configJSON: "{}", stateDirectory: "/tmp",
                                       logger: quiet).get()
let inProcess = Measure.each(options.runs * 50) {
    _ = instance.run(request, control: RunControl(), logger: quiet)
}

// In a worker: each run spawns a worker that loads the plugin, creates, runs, destroys and exits.
var rows = [("in-process run (instance reused)", inProcess)]
var workers = [("isolation-bench", Posix.selfExecutable)]
if let other = options.worker { workers.append((URL(fileURLWithPath: other).lastPathComponent, other)) }
for (name, executable) in workers {
    let executor = WorkerProcessExecutor(executable: executable, arguments: ["worker"])
    let job = WorkerJob(pluginPath: plugin, sourcePath: plugin, pluginName: "noop", taskName: "bench",
                        stateDirectory: "/tmp", request: request)
    _ = executor.execute(job, control: RunControl(), logger: quiet)  // warm the page cache
    rows.append(("worker run, spawning \(name)", Measure.each(options.runs) {
        let report = executor.execute(job, control: RunControl(), logger: quiet)
        precondition(!report.crashed, "worker failed: \(report.completion)")
    }))
    rows.append(("probe (cache miss), spawning \(name)", Measure.each(options.runs) {
        let probe = PluginProbe(executable: executable, logger: quiet)
        precondition(probe.verdict(for: plugin).rejectionReason == nil)
    }))
}
let cached = PluginProbe(executable: Posix.selfExecutable, logger: quiet)
_ = cached.verdict(for: plugin)
rows.append(("probe (cache hit: stat + sha256)", Measure.each(options.runs * 10) { _ = cached.verdict(for: plugin) }))

print("isolation-bench: \(options.runs) worker runs per row (in-process: \(options.runs * 50)); debug build; "
    + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
print("case".padding(toLength: 48, withPad: " ", startingAt: 0) + "median      p99         mean")
for (name, stats) in rows {
    print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + stats.formatted)
}
