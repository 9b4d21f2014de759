import Logging
import HousekeeperPlugin
import PluginABI
import Synchronization

/// What the host callbacks need during one `create` or `run` call: the logger with the call's metadata and,
/// for a run, its `RunControl`. The plugin receives it as the opaque `hk_host *` handle.
///
/// The caller keeps the object alive for the whole C call (the handle is an unretained pointer to it), and the
/// ABI forbids plugins to use the handle after the call returned.
final class HostCallContext: Sendable {
    private let base: Logger
    private let taskName: String
    private let pluginName: String
    private let runID: Int64?
    private let callLogger = Mutex<Logger?>(nil)
    /// The run's control; `nil` during `create`, where output and progress are ignored.
    let control: RunControl?

    /// - Parameters:
    ///   - logger: the host's logger; the call's lines get `task.name`, `plugin.name` and (for runs) `run.id`.
    init(logger: Logger, taskName: String, pluginName: String, runID: Int64?, control: RunControl?) {
        self.base = logger
        self.taskName = taskName
        self.pluginName = pluginName
        self.runID = runID
        self.control = control
    }

    /// The logger with the call's metadata, made when the plugin logs its first line: most runs log none, and
    /// setting three metadata values cost every run a few dictionary and string allocations.
    var logger: Logger {
        callLogger.withLock { callLogger in
            if let callLogger { return callLogger }
            var logger = base
            var metadata = logger.handler.metadata
            metadata["task.name"] = "\(taskName)"
            metadata["plugin.name"] = "\(pluginName)"
            if let runID { metadata["run.id"] = "\(runID)" }
            logger.handler.metadata = metadata
            callLogger = logger
            return logger
        }
    }

    /// Runs `body` with the opaque handle for this context, keeping the context alive until `body` returns.
    func withHandle<R>(_ body: (OpaquePointer) -> R) -> R {
        withExtendedLifetime(self) { body(OpaquePointer(Unmanaged.passUnretained(self).toOpaque())) }
    }

    /// The context behind a handle a plugin passed back.
    static func from(_ handle: OpaquePointer?) -> HostCallContext? {
        guard let handle else { return nil }
        return Unmanaged<HostCallContext>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    func log(level: Int32, message: UnsafePointer<CChar>?) {
        guard let message else { return }
        let text = String(cString: message)  // repairs invalid UTF-8
        logger.log(level: Self.level(level), "\(text)")
    }

    var shouldStop: Int32 { control?.isStopRequested == true ? 1 : 0 }

    func setOutput(data: UnsafePointer<CChar>?, length: Int) {
        guard let control else { return }
        let bytes = UnsafeRawBufferPointer(start: data.map(UnsafeRawPointer.init), count: data == nil ? 0 : length)
        if control.setOutput(bytes) {
            logger.warning("plugin.output.truncated", metadata: [
                "output.bytes": "\(length)", "output.limit": "\(RunControl.outputLimit)",
            ])
        }
    }

    func progress(fraction: Double, message: UnsafePointer<CChar>?) {
        control?.setProgress(fraction: fraction, message: message.map { String(cString: $0) })
    }

    /// Maps `HK_LOG_*` onto swift-log levels; unknown levels log at `info`.
    static func level(_ code: Int32) -> Logger.Level {
        switch code {
        case 0: .trace
        case 1: .debug
        case 3: .notice
        case 4: .warning
        case 5: .error
        default: .info
        }
    }
}

/// The one `hk_host_api` table of the process: static, never freed, so plugins may keep the pointer.
struct HostAPITable: @unchecked Sendable {
    // @unchecked: the table is written once here and never mutated or freed; the C callbacks it holds are
    // themselves thread-safe (they only touch the Sendable HostCallContext behind the handle).
    let pointer: UnsafePointer<hk_host_api>

    /// The process's table.
    static let shared = HostAPITable()

    private init() {
        let table = UnsafeMutablePointer<hk_host_api>.allocate(capacity: 1)
        var api = hk_host_api()
        api.struct_size = UInt32(MemoryLayout<hk_host_api>.size)
        api.host_abi_version = HousekeeperABI.packedVersion
        api.log = { host, level, message in HostCallContext.from(host)?.log(level: level, message: message) }
        api.should_stop = { host in HostCallContext.from(host)?.shouldStop ?? 0 }
        api.set_output = { host, data, length in HostCallContext.from(host)?.setOutput(data: data, length: length) }
        api.progress = { host, fraction, message in
            HostCallContext.from(host)?.progress(fraction: fraction, message: message)
        }
        table.initialize(to: api)
        pointer = UnsafePointer(table)
    }
}
