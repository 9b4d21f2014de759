extension PluginLoader {
    /// Opens one plugin file directly and performs the ABI handshake, without the directory scan, the
    /// permission checks or the private copy. For a process that was handed a copy the daemon already checked
    /// and cached (a worker process, a probe process). Blocking; never dlcloses.
    /// - Parameters:
    ///   - path: the file to dlopen, normally a private copy in the plugin cache.
    ///   - sourcePath: the file in the plugin directory it was copied from (for messages and `sourcePath`).
    ///   - sha256: the content hash the caller knows, or `nil` (then `sha256` of the result is empty).
    /// - Returns: the loaded plugin, or why the file was refused.
    public static func openDirect(
        path: String, sourcePath: String? = nil, sha256: String? = nil
    ) -> Result<LoadedPlugin, PluginRejection> {
        let source = sourcePath ?? path
        let info: FileInfo
        do {
            info = try Syscalls.statInfo(path)
        } catch {
            return .failure(PluginRejection(path: source, reason: error.isNotFound ? "does not exist" : "\(error)"))
        }
        let library: LibraryHandle
        switch Syscalls.openLibrary(path) {
        case .success(let handle): library = handle
        case .failure(let error):
            return .failure(PluginRejection(
                path: source, reason: "cannot be loaded (not a shared library?): \(error.message)"))
        }
        switch PluginHandshake.perform(library: library) {
        case .success(let descriptor):
            return .success(LoadedPlugin(
                descriptor: descriptor, sourcePath: source, cachedPath: path, sha256: sha256 ?? "", fileInfo: info))
        case .failure(let reason):
            return .failure(PluginRejection(path: source, reason: reason.text))
        }
    }
}
