/// Where a task's plugin code runs (`isolation:` per task, per plugin in `plugins.isolation`, or globally).
public enum IsolationMode: String, Sendable, Hashable, CaseIterable {
    /// On a host-owned thread of the daemon: the fastest, but a crash or a hang in the plugin is the daemon's.
    case inProcess = "in-process"
    /// In a short-lived worker process of the daemon's own executable: crash and hang isolation, hard timeouts,
    /// resource limits, a clean environment.
    case process
}

/// Per-task resource limits of a worker process (`limits:` in a task; `isolation: process` only), applied with
/// `setrlimit` in the worker before the plugin is loaded. `nil` means no limit.
public struct ResourceLimits: Sendable, Hashable {
    /// The most memory, in bytes, the plugin may map on top of the worker's own footprint (`memory: 512MiB`).
    public var memoryBytes: UInt64?
    /// The most CPU time the worker may use, in seconds (`cpu_seconds: 600`).
    public var cpuSeconds: UInt64?
    /// The most file descriptors the worker may hold open at once (`open_files: 256`).
    public var openFiles: UInt64?

    /// Creates limits; every limit defaults to none.
    public init(memoryBytes: UInt64? = nil, cpuSeconds: UInt64? = nil, openFiles: UInt64? = nil) {
        self.memoryBytes = memoryBytes
        self.cpuSeconds = cpuSeconds
        self.openFiles = openFiles
    }

    /// Whether no limit is set.
    public var isEmpty: Bool { memoryBytes == nil && cpuSeconds == nil && openFiles == nil }
}
