public import Logging

/// Scans the plugin directory and loads what passes the checks.
///
/// For each `*.so` file, in path order: ownership and mode checks (file and directory), a private
/// content-addressed copy, `dlopen` of the copy, the ABI handshake, then duplicate-name resolution. Every problem
/// is a `PluginRejection` for that file; other files keep loading. Libraries are never closed.
/// Blocking (file I/O, dlopen, plugin entry calls): call it on a host-owned thread.
public struct PluginLoader: Sendable {
    /// The options.
    public let options: PluginLoaderOptions
    private let logger: Logger
    private let vetter: (any PluginVetter)?

    /// Creates a loader.
    /// - Parameters:
    ///   - options: where to look and what to accept.
    ///   - logger: receives one line per loaded plugin and per rejection.
    ///   - vetter: asked about each new or changed file before it is dlopened here (e.g. a probe in a separate
    ///     process); `nil` loads without asking.
    public init(options: PluginLoaderOptions, logger: Logger, vetter: (any PluginVetter)? = nil) {
        self.options = options
        self.logger = logger
        self.vetter = vetter
    }

    /// Scans the directory. Files whose path, size, modification time and SHA-256 are unchanged since `previous`
    /// reuse its `LoadedPlugin` (no new dlopen); new or changed content is copied and loaded anew; files that
    /// disappeared are simply not in the result. Never throws: every problem is a rejection.
    /// - Parameter previous: the catalog of the previous scan, if any.
    public func load(previous: PluginCatalog? = nil) -> PluginCatalog {
        let euid = Syscalls.effectiveUserID()
        let security = FileSecurity(effectiveUserID: euid, allowInsecure: options.allowInsecure)
        var rejected: [PluginRejection] = []

        let directory: String
        switch security.inspectDirectory(options.directory) {
        case .success(let found): directory = found.path
        case .failure(let reason): return finish(loaded: [], rejected: [reject(options.directory, reason.text)], previous)
        }
        let cache = PluginCache(directory: options.cacheDirectory, effectiveUserID: euid)
        if let problem = cache.prepare() {
            return finish(loaded: [], rejected: [reject(options.cacheDirectory, problem)], previous)
        }
        let names: [String]
        do {
            names = try Syscalls.directoryEntries(directory)
        } catch {
            return finish(loaded: [], rejected: [reject(options.directory, "cannot list: \(error)")], previous)
        }
        let base = options.directory.hasSuffix("/") ? String(options.directory.dropLast()) : options.directory
        let paths = names.filter { $0.hasSuffix(".so") && !$0.hasPrefix(".") }.map { "\(base)/\($0)" }.sorted()

        let previousByPath = Dictionary(
            (previous?.plugins.values).map { $0.map { ($0.sourcePath, $0) } } ?? [], uniquingKeysWith: { a, _ in a })
        var loaded: [LoadedPlugin] = []
        for path in paths {
            switch loadFile(path, security: security, cache: cache, previous: previousByPath[path]) {
            case .success(let plugin): loaded.append(plugin)
            case .failure(let reason): rejected.append(reject(path, reason.text))
            }
        }
        return finish(loaded: loaded, rejected: rejected, previous)
    }

    /// Checks, copies, opens and handshakes one file, or reuses `previous` when the file is unchanged.
    private func loadFile(_ path: String, security: FileSecurity, cache: PluginCache,
                          previous: LoadedPlugin?) -> Result<LoadedPlugin, PluginRejectionReason> {
        let target: String
        switch security.inspectFile(path) {
        case .success(let found): target = found.path
        case .failure(let reason): return .failure(reason)
        }
        let content: (bytes: [UInt8], info: FileInfo)
        do {
            content = try Syscalls.readFile(target)
        } catch {
            return .failure(.init("cannot read: \(error)"))
        }
        // Re-check what was actually opened: the file may have been swapped since it was inspected.
        guard content.info.isRegularFile else { return .failure(.init("not a regular file")) }
        if let problem = security.problem(with: content.info, path: target) { return .failure(.init(problem)) }

        let sha256 = PluginCache.sha256(content.bytes)
        if let previous, previous.sha256 == sha256, previous.fileInfo.size == content.info.size,
           previous.fileInfo.modifiedNanoseconds == content.info.modifiedNanoseconds {
            return .success(previous)
        }
        let cachedPath: String
        do {
            cachedPath = try cache.store(content.bytes, source: path, sha256: sha256)
        } catch {
            return .failure(.init("cannot copy into the plugin cache: \(error)"))
        }
        // The same private copy was loaded before (e.g. the file was only touched): dlopen would return the same
        // handle, so keep its checked descriptor instead of calling the entry function again.
        if let previous, previous.cachedPath == cachedPath {
            return .success(LoadedPlugin(descriptor: previous.descriptor, sourcePath: path, cachedPath: cachedPath,
                                         sha256: sha256, fileInfo: content.info))
        }
        if let vetter, let reason = vetter.rejection(forFile: path, copy: cachedPath, sha256: sha256) {
            return .failure(.init(reason))
        }
        let library: LibraryHandle
        switch Syscalls.openLibrary(cachedPath) {
        case .success(let handle): library = handle
        case .failure(let error): return .failure(.init("cannot be loaded (not a shared library?): \(error.message)"))
        }
        return PluginHandshake.perform(library: library).map { descriptor in
            LoadedPlugin(descriptor: descriptor, sourcePath: path, cachedPath: cachedPath, sha256: sha256,
                         fileInfo: content.info)
        }
    }

    /// Resolves duplicate names and builds the catalog: a name stays with the file that held it in `previous`,
    /// otherwise with the first file in path order; every other file with that name is rejected.
    private func finish(loaded: [LoadedPlugin], rejected: [PluginRejection], _ previous: PluginCatalog?) -> PluginCatalog {
        var rejected = rejected
        var plugins: [String: LoadedPlugin] = [:]
        for (name, group) in Dictionary(grouping: loaded, by: \.name) {
            let holder = previous?.plugins[name]?.sourcePath
            let winner = group.first { $0.sourcePath == holder } ?? group[0]
            plugins[name] = winner
            for loser in group where loser !== winner {
                rejected.append(reject(loser.sourcePath,
                    "duplicate plugin name \"\(name)\": already provided by \(winner.sourcePath)"))
            }
        }
        let kept = Set((previous?.plugins.values).map { $0.map(ObjectIdentifier.init) } ?? [])
        for plugin in plugins.values.sorted(by: { $0.sourcePath < $1.sourcePath })
        where !kept.contains(ObjectIdentifier(plugin)) {
            logger.info("plugin.loaded", metadata: [
                "plugin.name": "\(plugin.name)", "plugin.version": "\(plugin.version)",
                "plugin.path": "\(plugin.sourcePath)", "plugin.sha256": "\(plugin.sha256)",
            ])
        }
        return PluginCatalog(plugins: plugins, rejected: rejected.sorted { ($0.path, $0.reason) < ($1.path, $1.reason) })
    }

    private func reject(_ path: String, _ reason: String) -> PluginRejection {
        logger.warning("plugin.rejected", metadata: ["plugin.path": "\(path)", "reason": "\(reason)"])
        return PluginRejection(path: path, reason: reason)
    }
}
