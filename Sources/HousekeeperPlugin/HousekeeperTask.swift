/// A task plugin written in Swift: a type the host creates once per task and runs once per run.
///
/// A whole plugin is the type plus two declarations:
/// ```swift
/// struct Hello: HousekeeperTask {
///     static let name = "hello"
///     static let version = "1.0.0"
///     static let summary = "Logs a greeting"
///     let greeting: String
///     init(config: PluginConfig, context: CreateContext) throws(PluginError) {
///         try config.allowOnly(["greeting"])
///         greeting = try config.string("greeting") ?? "hello"
///     }
///     func run(_ context: RunContext) throws(PluginError) { context.log(greeting) }
/// }
/// let plugin = PluginExport(Hello.self)
/// @_cdecl("housekeeper_plugin_entry_v1")
/// public func entry(_ hostVersion: UInt32) -> UnsafeRawPointer? { plugin.entry(hostVersion: hostVersion) }
/// ```
/// Lifecycle: `init` runs on a host thread when the task is created (and by `housekeeper check`); `run` runs on
/// a host-owned thread, never concurrently on one value unless `capabilities` has `.concurrentRuns`; the value
/// is released when the host destroys the instance.
public protocol HousekeeperTask {
    /// The plugin name tasks refer to: `[a-z0-9][a-z0-9._-]*`, at most 64 bytes.
    static var name: String { get }
    /// The plugin's own version (semantic versioning recommended).
    static var version: String { get }
    /// One line for `housekeeper plugins`.
    static var summary: String { get }
    /// Capability flags; `.cooperativeStop` by default.
    static var capabilities: PluginCapabilities { get }

    /// Validates the task's configuration and prepares the task.
    /// - Throws: a `PluginError`, usually `.config` naming the key.
    init(config: PluginConfig, context: CreateContext) throws(PluginError)

    /// Runs the task once. Poll `context.shouldStop` in long loops and throw `PluginError.cancelled`.
    /// - Throws: a `PluginError` whose status decides whether the host retries.
    func run(_ context: RunContext) throws(PluginError)
}

extension HousekeeperTask {
    /// Tasks poll `shouldStop` unless they say otherwise.
    public static var capabilities: PluginCapabilities { [.cooperativeStop] }
}
