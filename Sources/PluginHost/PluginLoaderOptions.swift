/// Where the loader looks and what it accepts.
public struct PluginLoaderOptions: Sendable, Hashable {
    /// The directory scanned for `*.so` files (not recursively).
    public var directory: String
    /// Private directory for content-addressed copies (created with mode 0700; refused if others can access it).
    public var cacheDirectory: String
    /// Skip ownership and permission checks of the plugin directory and files (development only).
    public var allowInsecure: Bool

    /// Creates options.
    /// - Parameters:
    ///   - directory: the plugin directory.
    ///   - cacheDirectory: where private copies are kept, e.g. `<state>/plugin-cache`.
    ///   - allowInsecure: skip ownership and mode checks (`--allow-insecure-plugins`).
    public init(directory: String, cacheDirectory: String, allowInsecure: Bool = false) {
        self.directory = directory
        self.cacheDirectory = cacheDirectory
        self.allowInsecure = allowInsecure
    }
}

/// The result of one scan of the plugin directory.
public struct PluginCatalog: Sendable {
    /// Loaded plugins by plugin name.
    public var plugins: [String: LoadedPlugin]
    /// Files refused, with reasons, sorted by path.
    public var rejected: [PluginRejection]

    /// Creates a catalog.
    /// - Parameters:
    ///   - plugins: loaded plugins by name.
    ///   - rejected: refused files.
    public init(plugins: [String: LoadedPlugin] = [:], rejected: [PluginRejection] = []) {
        self.plugins = plugins
        self.rejected = rejected
    }

    /// The loaded plugin whose file is `path`, if any.
    /// - Parameter path: a file in the plugin directory.
    public func plugin(atPath path: String) -> LoadedPlugin? {
        plugins.values.first { $0.sourcePath == path }
    }
}
