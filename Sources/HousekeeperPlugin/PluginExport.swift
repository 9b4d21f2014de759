import PluginABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C face of one Swift task type: its descriptor, allocated once and never freed, and the entry call.
///
/// Declare one as a global constant and return `entry(hostVersion:)` from the exported entry function:
/// ```swift
/// let plugin = PluginExport(MyTask.self)
/// @_cdecl("housekeeper_plugin_entry_v1")
/// public func entry(_ hostVersion: UInt32) -> UnsafeRawPointer? { plugin.entry(hostVersion: hostVersion) }
/// ```
/// A global `let` is initialised once, thread-safely, so the descriptor and its strings exist exactly once.
public final class PluginExport<Task: HousekeeperTask>: @unchecked Sendable {
    // @unchecked: `storage` is written once in init and only read afterwards; it is never freed because the host
    // never unloads a plugin and may keep the descriptor pointer for the life of the process.
    private let storage: UnsafeMutableRawPointer

    /// Builds the descriptor for `task`.
    /// - Parameter task: the task type this plugin exports.
    public init(_ task: Task.Type) {
        storage = DescriptorStorage.allocate(
            name: Task.name, version: Task.version, summary: Task.summary,
            capabilities: Task.capabilities.rawValue, driver: TypedTaskDriver<Task>())
    }

    /// The descriptor pointer for the host, or `nil` when the host speaks another major version or an older minor.
    /// - Parameter hostVersion: the packed `HK_ABI_VERSION` the host passed to the entry function.
    public func entry(hostVersion: UInt32) -> UnsafeRawPointer? {
        guard hostVersion >> 16 == HousekeeperABI.major, hostVersion & 0xFFFF >= HousekeeperABI.minor else {
            return nil
        }
        return UnsafeRawPointer(storage)
    }
}

/// Memory layout of an exported plugin: the C descriptor, then a retained pointer to the task driver, so the
/// shared `create` thunk finds its task type from `hk_create_context.descriptor` without global state.
enum DescriptorStorage {
    private static var driverOffset: Int { MemoryLayout<hk_plugin_descriptor>.stride }

    static func allocate(name: String, version: String, summary: String, capabilities: UInt64,
                         driver: TaskDriver) -> UnsafeMutableRawPointer {
        let size = driverOffset + MemoryLayout<UnsafeRawPointer>.stride
        let storage = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        var descriptor = hk_plugin_descriptor()
        descriptor.struct_size = UInt32(MemoryLayout<hk_plugin_descriptor>.size)
        descriptor.abi_version = HousekeeperABI.packedVersion
        descriptor.abi_fingerprint = UnsafePointer(strdup(HousekeeperABI.swiftFingerprint))
        descriptor.name = UnsafePointer(strdup(name))
        descriptor.version = UnsafePointer(strdup(version))
        descriptor.description = UnsafePointer(strdup(summary))
        descriptor.capabilities = capabilities
        descriptor.create = { context, instanceOut, error in TaskThunks.create(context, instanceOut, error) }
        descriptor.run = { instance, context, error in TaskThunks.run(instance, context, error) }
        descriptor.destroy = { instance in TaskThunks.destroy(instance) }
        storage.storeBytes(of: descriptor, as: hk_plugin_descriptor.self)
        storage.storeBytes(of: UnsafeRawPointer(Unmanaged.passRetained(driver).toOpaque()),
                           toByteOffset: driverOffset, as: UnsafeRawPointer.self)
        return storage
    }

    /// The driver stored after `descriptor`.
    static func driver(of descriptor: UnsafePointer<hk_plugin_descriptor>) -> TaskDriver {
        let raw = UnsafeRawPointer(descriptor).load(fromByteOffset: driverOffset, as: UnsafeRawPointer.self)
        return Unmanaged<TaskDriver>.fromOpaque(raw).takeUnretainedValue()
    }
}

/// The three C functions every Swift plugin shares; they dispatch through the driver and the instance box.
enum TaskThunks {
    static func create(
        _ context: UnsafePointer<hk_create_context>?,
        _ instanceOut: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
        _ error: UnsafeMutablePointer<hk_error>?
    ) -> hk_status {
        guard let context, let instanceOut else { return fail(error, .error, "create: NULL argument") }
        guard context.pointee.struct_size >= UInt32(MemoryLayout<hk_create_context>.size),
              let descriptor = context.pointee.descriptor
        else { return fail(error, .error, "create: the host passed no descriptor (host older than ABI 1.0?)") }
        switch DescriptorStorage.driver(of: descriptor).create(context) {
        case .success(let box):
            instanceOut.pointee = Unmanaged.passRetained(box).toOpaque()
            return 0
        case .failure(let failure):
            return fail(error, failure.status, failure.message)
        }
    }

    static func run(
        _ instance: UnsafeMutableRawPointer?, _ context: UnsafePointer<hk_run_context>?,
        _ error: UnsafeMutablePointer<hk_error>?
    ) -> hk_status {
        guard let instance, let context else { return fail(error, .error, "run: NULL argument") }
        let box = Unmanaged<TaskBox>.fromOpaque(instance).takeUnretainedValue()
        if let failure = box.run(RunContext(context)) {
            return fail(error, failure.status, failure.message)
        }
        return 0
    }

    static func destroy(_ instance: UnsafeMutableRawPointer?) {
        guard let instance else { return }
        Unmanaged<TaskBox>.fromOpaque(instance).release()
    }

    private static func fail(_ error: UnsafeMutablePointer<hk_error>?, _ status: PluginError.Status,
                             _ message: String) -> hk_status {
        message.withCString { hk_error_set(error, $0) }
        return status.code
    }
}

/// Creates task values of one type; the non-generic base lets the C thunks call it.
class TaskDriver {
    func create(_ context: UnsafePointer<hk_create_context>) -> Result<TaskBox, PluginError> {
        .failure(PluginError(.error, "abstract driver"))
    }
}

/// The driver for `Task`.
final class TypedTaskDriver<Task: HousekeeperTask>: TaskDriver {
    override func create(_ context: UnsafePointer<hk_create_context>) -> Result<TaskBox, PluginError> {
        let c = context.pointee
        let json = c.config_json.map {
            String(decoding: UnsafeRawBufferPointer(start: $0, count: c.config_json_length), as: UTF8.self)
        } ?? "{}"
        do throws(PluginError) {
            let config = try PluginConfig(json: json)
            return .success(TypedTaskBox(task: try Task(config: config, context: CreateContext(context))))
        } catch {
            return .failure(error)
        }
    }
}

/// One instance: the task value behind the opaque `void *instance`.
class TaskBox {
    func run(_ context: RunContext) -> PluginError? { PluginError(.error, "abstract box") }
}

/// The instance box for `Task`.
final class TypedTaskBox<Task: HousekeeperTask>: TaskBox {
    let task: Task
    init(task: Task) { self.task = task }
    override func run(_ context: RunContext) -> PluginError? {
        do throws(PluginError) {
            try task.run(context)
            return nil
        } catch {
            return error
        }
    }
}
