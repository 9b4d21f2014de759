public import Logging
import HousekeeperPlugin
import PluginABI

/// A plugin file that passed every check and was loaded. Kept for the life of the process (never dlclosed).
public final class LoadedPlugin: Sendable {
    /// The plugin's name from its descriptor.
    public let name: String
    /// The plugin's own version.
    public let version: String
    /// One-line description, if any (empty when the plugin gave none).
    public let summary: String
    /// Packed ABI version the plugin was built against.
    public let abiVersion: UInt32
    /// The plugin's ABI fingerprint, e.g. `hk-abi-1;c` or `hk-abi-1;swift-6.3.1`.
    public let abiFingerprint: String
    /// `HK_CAP_*` flags.
    public let capabilities: UInt64
    /// The file in the plugin directory.
    public let sourcePath: String
    /// The private copy that was dlopened.
    public let cachedPath: String
    /// SHA-256 of the file's content, hex.
    public let sha256: String
    /// The file's size and modification time when it was loaded (with `sha256`, decides reuse on reload).
    let fileInfo: FileInfo
    /// What the handshake found (reused when the same private copy is seen again: no second entry call).
    let descriptor: ValidatedDescriptor
    /// The plugin's functions.
    var entryPoints: PluginEntryPoints { descriptor.entryPoints }

    init(descriptor: ValidatedDescriptor, sourcePath: String, cachedPath: String, sha256: String, fileInfo: FileInfo) {
        self.name = descriptor.name
        self.version = descriptor.version
        self.summary = descriptor.summary
        self.abiVersion = descriptor.abiVersion
        self.abiFingerprint = descriptor.fingerprint
        self.capabilities = descriptor.capabilities
        self.descriptor = descriptor
        self.sourcePath = sourcePath
        self.cachedPath = cachedPath
        self.sha256 = sha256
        self.fileInfo = fileInfo
    }

    /// Whether the host may call `run` concurrently on one instance (`HK_CAP_CONCURRENT_RUNS`).
    public var allowsConcurrentRuns: Bool { capabilities & 1 != 0 }

    /// Whether the plugin promises to poll `should_stop` (`HK_CAP_COOPERATIVE_STOP`, informational).
    public var stopsCooperatively: Bool { capabilities & 2 != 0 }

    /// The size of the error buffer passed to `create` and `run`.
    static let errorCapacity = 4096

    /// Calls the plugin's `create` for one task. Blocking: call it on a host-owned thread.
    /// - Parameters:
    ///   - taskName: the task's name.
    ///   - configJSON: the task's `config:` block as a JSON object (`{}` when absent).
    ///   - stateDirectory: a directory the instance may use; it may not exist yet.
    ///   - logger: where the plugin's log lines go (with `task.name` and `plugin.name` metadata).
    /// - Returns: the instance, or the plugin's status and message (e.g. a config error naming the key).
    public func makeInstance(
        taskName: String, configJSON: String, stateDirectory: String, logger: Logger
    ) -> Result<PluginInstance, PluginFailure> {
        let call = HostCallContext(logger: logger, taskName: taskName, pluginName: name, runID: nil, control: nil)
        let entry = entryPoints
        let ((status, instance), message) = ErrorBuffer.with(capacity: Self.errorCapacity) { error in
            call.withHandle { handle in
                taskName.withCString { task in
                    configJSON.withCString { config in
                        stateDirectory.withCString { state in
                            var context = hk_create_context()
                            context.struct_size = UInt32(MemoryLayout<hk_create_context>.size)
                            context.api = HostAPITable.shared.pointer
                            context.host = handle
                            context.task_name = task
                            context.config_json = config
                            context.config_json_length = configJSON.utf8.count
                            context.state_directory = state
                            context.descriptor = entry.descriptor
                            var instance: UnsafeMutableRawPointer?
                            let status = entry.create(&context, &instance, error)
                            return (status, instance)
                        }
                    }
                }
            }
        }
        let pluginStatus = PluginStatus(code: status)
        guard pluginStatus == .ok else {
            let text = message.isEmpty ? "create failed with status \(pluginStatus.name)" : message
            return .failure(PluginFailure(status: pluginStatus, message: text))
        }
        return .success(PluginInstance(plugin: self, pointer: InstancePointer(raw: instance)))
    }
}

/// The functions of a plugin and the descriptor pointer its entry function returned.
struct PluginEntryPoints: @unchecked Sendable {
    // @unchecked: C function pointers and a pointer to the plugin's static, immutable descriptor, inside a
    // library that is never unloaded; calling them from any thread is what the ABI specifies.
    let descriptor: UnsafePointer<hk_plugin_descriptor>
    let create: hk_create_fn
    let run: hk_run_fn
    let destroy: hk_destroy_fn
}

/// A host-owned error buffer (`hk_error`) for one call.
enum ErrorBuffer {
    /// Runs `body` with a fresh buffer and returns its result with the message the plugin wrote.
    ///
    /// At `LoadedPlugin.errorCapacity` (4 KiB) `withUnsafeTemporaryAllocation` allocates on the heap, not the stack
    /// (it promotes 1 KiB at most here): a thread making many calls one after another passes an `ErrorScratch`
    /// instead (`ReadyCall.call`).
    static func with<R>(capacity: Int, _ body: (UnsafeMutablePointer<hk_error>) -> R) -> (R, String) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            use(buffer.baseAddress!, capacity: capacity, body)
        }
    }

    /// Runs `body` with `storage` (`capacity` bytes) as the buffer and returns its result with the message the
    /// plugin wrote.
    ///
    /// Only the first byte is cleared (the ABI promises `""`, not a zeroed buffer): a heap buffer zeroed at every
    /// call was a quarter of a pool thread's time per no-op run (perf, steady workload). A plugin that writes past
    /// its string without a NUL can only show its own process's bytes, which in-process code can read anyway; the
    /// last byte is cleared after the call, so the read stops inside the buffer.
    static func use<R>(
        _ storage: UnsafeMutablePointer<CChar>, capacity: Int, _ body: (UnsafeMutablePointer<hk_error>) -> R
    ) -> (R, String) {
        storage[0] = 0
        var error = hk_error(
            struct_size: UInt32(MemoryLayout<hk_error>.size), capacity: UInt32(capacity), message: storage)
        let result = withUnsafeMutablePointer(to: &error) { body($0) }
        storage[capacity - 1] = 0  // a plugin that ignored the capacity still yields a terminated string
        return (result, storage[0] == 0 ? "" : String(cString: storage))
    }
}

/// An error buffer for the `run` calls one host thread makes one after another (`ReadyCall.call`): allocated once,
/// where a buffer per call was a heap allocation and a free of 4 KiB on the pool thread for every run (perf, steady
/// workload: `posix_memalign` under `ErrorBuffer.with`).
public struct ErrorScratch: ~Copyable {
    let storage: UnsafeMutablePointer<CChar>

    /// Allocates the buffer (`LoadedPlugin.errorCapacity` bytes).
    public init() {
        storage = .allocate(capacity: LoadedPlugin.errorCapacity)
    }

    deinit {
        storage.deallocate()
    }
}
