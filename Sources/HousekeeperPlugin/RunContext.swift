import PluginABI

/// What a task receives for one run: who, when, why, and the host's services (log, stop flag, output, progress).
///
/// Valid only until `run(_:)` returns. Its methods are safe from any thread, including threads the task starts,
/// as long as those threads are done before `run` returns.
public struct RunContext: @unchecked Sendable {
    // @unchecked: it holds the host's C pointers, which the ABI guarantees valid and thread-safe for the run.
    /// The task's name.
    public let taskName: String
    /// The run's id in history (decimal).
    public let runID: String
    /// The nominal instant this run is for, microseconds since the Unix epoch (UTC).
    public let scheduledAtMicroseconds: Int64
    /// When the host started the run, microseconds since the Unix epoch (UTC).
    public let startedAtMicroseconds: Int64
    /// When the timeout raises `shouldStop`, microseconds since the Unix epoch, or `nil` for no timeout.
    public let deadlineMicroseconds: Int64?
    /// 1 for a first attempt, 2 for the first retry, and so on.
    public let attempt: Int
    /// Why the run happens (`nil` for a trigger newer than this kit).
    public let trigger: TaskTrigger?
    /// Extra context as a JSON object text (`{}` when there is none).
    public let contextJSON: String
    private let api: UnsafePointer<hk_host_api>?
    private let host: OpaquePointer?

    /// Copies what the C context holds.
    init(_ context: UnsafePointer<hk_run_context>) {
        let c = context.pointee
        taskName = c.task_name.map { String(cString: $0) } ?? ""
        runID = c.run_id.map { String(cString: $0) } ?? ""
        scheduledAtMicroseconds = c.scheduled_at_us
        startedAtMicroseconds = c.started_at_us
        deadlineMicroseconds = c.deadline_us == 0 ? nil : c.deadline_us
        attempt = Int(c.attempt)
        trigger = TaskTrigger(code: c.trigger)
        if let json = c.context_json {
            contextJSON = String(decoding: UnsafeRawBufferPointer(start: json, count: c.context_json_length),
                                 as: UTF8.self)
        } else {
            contextJSON = "{}"
        }
        api = c.api
        host = c.host
    }

    /// The trigger's name as logs and history show it (`schedule`, `catch-up`, ...).
    public var triggerName: String { trigger?.rawValue ?? "unknown" }

    /// Writes one log line through the host, which adds the task name, run id and plugin name.
    /// - Parameters:
    ///   - message: the line.
    ///   - level: its level, `.info` by default.
    public func log(_ message: String, level: PluginLogLevel = .info) {
        guard let log = api?.pointee.log else { return }
        message.withCString { log(host, level.rawValue, $0) }
    }

    /// Whether the host wants the run to stop (timeout, shutdown, replace). Cheap: poll it in loops.
    public var shouldStop: Bool {
        guard let shouldStop = api?.pointee.should_stop else { return false }
        return shouldStop(host) != 0
    }

    /// Throws `PluginError.cancelled` when the host wants the run to stop.
    public func checkStop() throws(PluginError) {
        if shouldStop { throw PluginError.cancelled }
    }

    /// Sets the run's output (recorded in history); a later call replaces an earlier one.
    /// - Parameter output: typically a JSON document summarising what was done.
    public func setOutput(_ output: String) {
        guard let setOutput = api?.pointee.set_output else { return }
        var bytes = Array(output.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { setOutput(host, $0.baseAddress, $0.count) }
        }
    }

    /// Sets the run's output to a JSON value.
    /// - Parameter output: the document.
    public func setOutput(_ output: JSONValue) {
        setOutput(output.jsonText)
    }

    /// Reports progress.
    /// - Parameters:
    ///   - fraction: done so far in [0, 1], or `nil` when unknown.
    ///   - message: what is happening, if anything.
    public func progress(_ fraction: Double?, message: String? = nil) {
        guard let progress = api?.pointee.progress else { return }
        let value = fraction ?? -1
        if let message {
            message.withCString { progress(host, value, $0) }
        } else {
            progress(host, value, nil)
        }
    }
}
