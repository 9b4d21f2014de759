public import Logging
import PluginABI
import Synchronization

/// One task's instance of a plugin (the result of `create`). Destroyed exactly once.
public final class PluginInstance: Sendable {
    /// The plugin it belongs to.
    public let plugin: LoadedPlugin
    private let pointer: InstancePointer
    private let destroyed = Atomic<Bool>(false)

    init(plugin: LoadedPlugin, pointer: InstancePointer) {
        self.plugin = plugin
        self.pointer = pointer
    }

    /// Whether `destroy()` was called.
    public var isDestroyed: Bool { destroyed.load(ordering: .acquiring) }

    /// Calls `run`. Blocking: call it on a host-owned thread, never on the cooperative pool. The host must not
    /// call it concurrently on one instance unless `plugin.allowsConcurrentRuns`.
    /// - Parameters:
    ///   - request: who, when and why.
    ///   - control: the run's stop flag, output and progress; make a new one per run.
    ///   - logger: where the plugin's log lines go (with `task.name`, `run.id` and `plugin.name` metadata).
    /// - Returns: the plugin's status, message and output.
    public func run(_ request: RunRequest, control: RunControl, logger: Logger) -> RunResult {
        readyCall(request, control: control, logger: logger)
            .call(startedAt: request.startedAt, deadline: request.deadline)
    }

    /// The plugin's instance pointer, handed back to its `run`.
    var rawPointer: UnsafeMutableRawPointer? { pointer.raw }

    /// Calls `destroy` once; later calls do nothing. Call after every run returned.
    public func destroy() {
        guard destroyed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        plugin.entryPoints.destroy(pointer.raw)
    }
}

/// The plugin's opaque instance pointer.
struct InstancePointer: @unchecked Sendable {
    // @unchecked: the host never dereferences it; it only hands it back to the plugin, whose ABI rules say
    // when calls on it may overlap (HK_CAP_CONCURRENT_RUNS), and the scheduler enforces those rules.
    let raw: UnsafeMutableRawPointer?
}
