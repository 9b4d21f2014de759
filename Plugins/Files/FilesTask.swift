import HousekeeperPlugin

/// Retention for one directory: removes matching files by age, count and total size.
///
/// Config: `path` (absolute directory, required), `pattern` (glob or list of globs, default `*`), `older_than`
/// (duration), `keep_newest` (count), `max_total_size` (size), `recursive` (default false), `dry_run` (default
/// false), `remove_empty_directories` (default false). At least one of `older_than`, `keep_newest`,
/// `max_total_size` is required. Only regular files are ever removed; symbolic links are neither followed nor
/// removed, and directories are removed only with `remove_empty_directories` (and never `path` itself).
/// Age is measured from the run's start as the host reports it.
struct FilesTask: HousekeeperTask {
    static let name = "files"
    static let version = "1.0.0"
    static let summary = "Retention for a directory: removes files by age, count and total size"

    /// How many removed paths and problems the output lists (counts are always complete).
    static let listedLimit = 100

    let path: String
    let patterns: [GlobPattern]
    let olderThan: Double?
    let keepNewest: Int
    let maxTotalSize: Int64?
    let recursive: Bool
    let dryRun: Bool
    let removeEmptyDirectories: Bool

    init(config: PluginConfig, context: CreateContext) throws(PluginError) {
        try config.allowOnly(["path", "pattern", "older_than", "keep_newest", "max_total_size", "recursive",
                              "dry_run", "remove_empty_directories"])
        var path = try config.requiredString("path")
        guard path.hasPrefix("/") else { throw PluginError.config(key: "path", "must be an absolute path, not \"\(path)\"") }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        guard path != "/" else { throw PluginError.config(key: "path", "must not be the root directory") }
        guard !path.split(separator: "/").contains("..") else {
            throw PluginError.config(key: "path", "must not contain .. components")
        }
        self.path = path
        var patterns: [GlobPattern] = []
        for text in try config.stringList("pattern") ?? ["*"] {
            do throws(PluginError) {
                patterns.append(try GlobPattern(text))
            } catch {
                throw PluginError.config(key: "pattern", error.message.replacingPrefix("pattern: "))
            }
        }
        guard !patterns.isEmpty else { throw PluginError.config(key: "pattern", "must name at least one pattern") }
        self.patterns = patterns
        olderThan = try config.duration("older_than")
        keepNewest = try config.int("keep_newest") ?? 0
        guard keepNewest >= 0 else { throw PluginError.config(key: "keep_newest", "must not be negative") }
        maxTotalSize = try config.byteSize("max_total_size")
        guard olderThan != nil || maxTotalSize != nil || config["keep_newest"] != nil else {
            throw PluginError(.config, "config: give at least one of older_than, keep_newest, max_total_size "
                + "(without one, every matching file would be removed)")
        }
        recursive = try config.bool("recursive") ?? false
        dryRun = try config.bool("dry_run") ?? false
        removeEmptyDirectories = try config.bool("remove_empty_directories") ?? false
    }

    func run(_ context: RunContext) throws(PluginError) {
        let directory = try RetentionDirectory(path: path)
        let scan = try directory.scan(patterns: patterns, recursive: recursive) { context.shouldStop }
        let plan = RetentionPlan.make(files: scan.files, now: context.startedAtMicroseconds, olderThan: olderThan,
                                      keepNewest: keepNewest, maxTotalSize: maxTotalSize)
        var removed: [FileEntry] = []
        var problems = scan.problems
        var cancelled = false
        for (index, file) in plan.remove.enumerated() {
            if context.shouldStop {
                cancelled = true
                break
            }
            if dryRun {
                removed.append(file)
            } else if let problem = directory.remove(file) {
                problems.append(FileProblem(relativePath: file.relativePath, message: problem))
            } else {
                removed.append(file)
            }
            context.progress(Double(index + 1) / Double(plan.remove.count))
        }
        var directoriesRemoved: [String] = []
        if removeEmptyDirectories && !dryRun && !cancelled {
            // Deepest first, so a parent emptied by removing its children goes too.
            for relative in scan.directories.sorted(by: { $0.count > $1.count })
            where directory.removeDirectoryIfEmpty(relative) {
                directoriesRemoved.append(relative)
            }
        }
        context.setOutput(output(plan: plan, removed: removed, problems: problems, scan: scan,
                                 directoriesRemoved: directoriesRemoved))
        if cancelled { throw PluginError.cancelled }
        if let first = problems.first {
            throw PluginError(.error, "\(problems.count) path(s) could not be handled under \(path); first: "
                + "\(first.relativePath): \(first.message)")
        }
    }

    private func output(plan: RetentionPlan, removed: [FileEntry], problems: [FileProblem], scan: DirectoryScan,
                        directoriesRemoved: [String]) -> JSONValue {
        let removedSet = Set(removed)
        let kept = scan.files.filter { !removedSet.contains($0) }
        func bytes(_ files: [FileEntry]) -> JSONValue { .number(Double(files.reduce(Int64(0)) { $0 + $1.size })) }
        return .object([
            "path": .string(path),
            "dry_run": .bool(dryRun),
            "matched_files": .number(Double(scan.files.count)),
            "removed_files": .number(Double(removed.count)),
            "removed_bytes": bytes(removed),
            "kept_files": .number(Double(kept.count)),
            "kept_bytes": bytes(kept),
            "removed": .array(removed.prefix(Self.listedLimit).map { .string($0.relativePath) }),
            "removed_directories": .array(directoriesRemoved.map { .string($0) }),
            "symlinks_skipped": .number(Double(scan.symlinksSkipped)),
            "errors": .array(problems.prefix(Self.listedLimit).map {
                .object(["path": .string($0.relativePath), "error": .string($0.message)])
            }),
            "error_count": .number(Double(problems.count)),
        ])
    }
}

extension String {
    /// The string without `prefix` when it starts with it.
    fileprivate func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
