import PluginABI

/// What a task receives while it is created: its name, its state directory and the host's log.
/// Valid only during `init(config:context:)`: do not keep it.
public struct CreateContext {
    /// The task's name from the configuration.
    public let taskName: String
    /// A directory the task may use for its files; it may not exist yet.
    public let stateDirectory: String
    private let api: UnsafePointer<hk_host_api>?
    private let host: OpaquePointer?

    /// Copies what the C context holds.
    init(_ context: UnsafePointer<hk_create_context>) {
        let c = context.pointee
        taskName = c.task_name.map { String(cString: $0) } ?? ""
        stateDirectory = c.state_directory.map { String(cString: $0) } ?? ""
        api = c.api
        host = c.host
    }

    /// Writes one log line through the host (which adds the task and plugin names).
    /// - Parameters:
    ///   - message: the line.
    ///   - level: its level, `.info` by default.
    public func log(_ message: String, level: PluginLogLevel = .info) {
        guard let log = api?.pointee.log else { return }
        message.withCString { log(host, level.rawValue, $0) }
    }
}
