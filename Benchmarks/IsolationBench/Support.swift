import Foundation

/// Command-line options of the benchmark.
struct BenchOptions {
    /// Runs per worker row.
    var runs = 100
    /// Another executable with a `worker` mode to measure (e.g. `.build/debug/housekeeper`).
    var worker: String?

    /// Parses `--runs N` and `--worker PATH`.
    init(arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs": runs = iterator.next().flatMap(Int.init) ?? runs
            case "--worker": worker = iterator.next()
            default: FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
            }
        }
    }
}

/// Timing of repeated calls.
struct Stats {
    /// Each call's duration in nanoseconds, sorted.
    var samples: [UInt64]

    /// The sample at fraction `p` (0...1) of the sorted samples.
    func percentile(_ p: Double) -> UInt64 {
        samples[min(samples.count - 1, Int((Double(samples.count) * p).rounded(.up)) - 1)]
    }

    /// Median, p99 and mean as table cells.
    var formatted: String {
        let mean = samples.reduce(0, +) / UInt64(samples.count)
        return [percentile(0.5), percentile(0.99), mean].map { Self.text($0).padding(toLength: 12, withPad: " ",
                                                                                     startingAt: 0) }.joined()
    }

    /// `1.23 ms` or `4.5 µs`.
    static func text(_ nanoseconds: UInt64) -> String {
        nanoseconds >= 1_000_000 ? String(format: "%.2f ms", Double(nanoseconds) / 1e6)
            : String(format: "%.1f µs", Double(nanoseconds) / 1e3)
    }
}

/// Times calls with the monotonic clock.
enum Measure {
    /// Calls `body` `count` times and times each call.
    static func each(_ count: Int, _ body: () -> Void) -> Stats {
        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(DispatchTime.now().uptimeNanoseconds - start)
        }
        return Stats(samples: samples.sorted())
    }
}

/// Process facts.
enum Posix {
    /// This executable, resolved.
    static let selfExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
}

/// A C plugin whose `run` does nothing, compiled with `cc` for the benchmark.
enum NoOpPlugin {
    /// The plugin's C source.
    static let source = """
        #include "housekeeper_plugin.h"
        static hk_status c(const hk_create_context *x, void **o, hk_error *e) { (void)x; (void)e; *o = 0; return 0; }
        static hk_status r(void *i, const hk_run_context *x, hk_error *e) { (void)i; (void)x; (void)e; return 0; }
        static void d(void *i) { (void)i; }
        static const hk_plugin_descriptor desc = { sizeof(hk_plugin_descriptor), HK_ABI_VERSION,
            HK_ABI_FINGERPRINT_C, "noop", "1", "does nothing", 0, c, r, d, {0, 0, 0, 0} };
        HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t v);
        HK_PLUGIN_EXPORT const hk_plugin_descriptor *housekeeper_plugin_entry_v1(uint32_t v) { (void)v; return &desc; }
        """

    /// Compiles the plugin into a temporary folder and returns its path.
    static func build() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hk-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try source.write(toFile: folder + "/noop.c", atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        process.arguments = ["-shared", "-fPIC", "-I", root + "/Sources/PluginABI/include", "-o", folder + "/noop.so",
                             folder + "/noop.c"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError(message: "cc failed") }
        return folder + "/noop.so"
    }
}

/// A setup step of the benchmark failed.
struct BenchError: Error {
    var message: String
}
