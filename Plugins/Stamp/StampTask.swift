import HousekeeperPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends one line per run to a file: the bundled example plugin, twin of the C plugin `c-stamp`.
///
/// Config: `file` (required path), `message` (string), `fail` (bool), `sleep` (seconds, polled for stop every
/// 50 ms), `fail_status` (`error`, `retryable` or `permanent`; how `fail` fails).
struct StampTask: HousekeeperTask {
    static let name = "stamp"
    static let version = "1.0.0"
    static let summary = "Appends a timestamped line per run to a file (Swift example)"

    let file: String
    let message: String?
    let fail: Bool
    let sleepSeconds: Double
    let failStatus: PluginError.Status

    init(config: PluginConfig, context: CreateContext) throws(PluginError) {
        try config.allowOnly(["file", "message", "fail", "sleep", "fail_status"])
        file = try config.requiredString("file")
        guard !file.isEmpty else { throw PluginError.config(key: "file", "must not be empty") }
        message = try config.string("message")
        fail = try config.bool("fail") ?? false
        sleepSeconds = try config.double("sleep") ?? 0
        guard sleepSeconds >= 0 else { throw PluginError.config(key: "sleep", "must not be negative") }
        switch try config.choice("fail_status", of: ["error", "retryable", "permanent"]) {
        case "retryable": failStatus = .retryable
        case "permanent": failStatus = .permanent
        default: failStatus = .error
        }
    }

    func run(_ context: RunContext) throws(PluginError) {
        try sleepCooperatively(context)
        if fail { throw PluginError(failStatus, "failing as configured") }
        var line = "\(Self.rfc3339(microseconds: context.scheduledAtMicroseconds)) \(context.taskName) "
            + "\(context.triggerName) attempt=\(context.attempt)"
        if let message { line += " \(message)" }
        try append(line + "\n")
        var output: [String: JSONValue] = ["file": .string(file), "line": .string(line)]
        // Hooks and dependents get the triggering run in their context; show it, so history says what caused
        // this run.
        if context.contextJSON != "{}" { output["context"] = .string(context.contextJSON) }
        context.setOutput(.object(output))
    }

    /// Sleeps in steps of at most 50 ms, checking the stop flag before each step.
    private func sleepCooperatively(_ context: RunContext) throws(PluginError) {
        var remaining = sleepSeconds
        if remaining > 0 { context.log("sleeping", level: .debug) }
        while remaining > 0 {
            try context.checkStop()
            let step = min(remaining, 0.05)
            var request = timespec(tv_sec: 0, tv_nsec: Int(step * 1_000_000_000))
            var rest = timespec()
            while nanosleep(&request, &rest) == -1 && errno == EINTR { request = rest }
            remaining -= step
        }
        try context.checkStop()
    }

    /// Appends `text` with one write to a file opened with O_APPEND, so concurrent writers never interleave.
    private func append(_ text: String) throws(PluginError) {
        let fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PluginError(.error, "file: cannot open \(file): \(Self.errorText())") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw PluginError(.error, "file: cannot write \(file): \(written < 0 ? Self.errorText() : "short write")")
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }

    /// `2026-11-23T14:00:00.000000Z` for an instant in microseconds since the epoch.
    static func rfc3339(microseconds: Int64) -> String {
        var seconds = microseconds / 1_000_000
        var fraction = microseconds % 1_000_000
        if fraction < 0 {
            seconds -= 1
            fraction += 1_000_000
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(Int(fraction), 6))Z"
    }
}
