/// A file the loader refused, with the reason and, where there is one, the fix.
public struct PluginRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file in the plugin directory (or the directory itself, or the cache directory).
    public var path: String
    /// Why it was refused, e.g. `group-writable (mode 0664); run chmod go-w /plugins/x.so`.
    public var reason: String

    /// Creates a rejection.
    /// - Parameters:
    ///   - path: the refused file or directory.
    ///   - reason: what is wrong and how to fix it.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}

/// A failure of `create` or of the call machinery, with the plugin's own message.
public struct PluginFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status the plugin returned.
    public var status: PluginStatus
    /// The plugin's message.
    public var message: String

    /// Creates a failure.
    /// - Parameters:
    ///   - status: the plugin's status code.
    ///   - message: the plugin's message.
    public init(status: PluginStatus, message: String) {
        self.status = status
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
