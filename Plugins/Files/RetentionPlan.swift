/// One regular file found under the retention directory.
struct FileEntry: Sendable, Hashable {
    /// Path relative to the retention directory, `/`-separated.
    var relativePath: String
    /// Size in bytes.
    var size: Int64
    /// Modification time, microseconds since the epoch.
    var modifiedAt: Int64
    /// Device and inode, so a file replaced between scan and delete is left alone.
    var device: UInt64
    var inode: UInt64
}

/// Decides which files a retention run removes: a pure function of the files, the rules and "now".
///
/// The newest `keepNewest` files are never removed. Of the others, files older than `olderThan` go; then, while
/// the remaining files add up to more than `maxTotalSize`, the oldest remaining go. With neither rule, every file
/// but the newest `keepNewest` goes.
struct RetentionPlan: Sendable, Hashable {
    /// Files to remove, oldest first.
    var remove: [FileEntry]
    /// Files to keep, newest first.
    var keep: [FileEntry]

    /// Plans a run.
    /// - Parameters:
    ///   - files: the matching files.
    ///   - now: the reference instant (µs since the epoch); the run's start as the host reports it.
    ///   - olderThan: age in seconds past which files go, if set.
    ///   - keepNewest: how many of the newest files are always kept.
    ///   - maxTotalSize: the most bytes the kept files may add up to, if set.
    static func make(files: [FileEntry], now: Int64, olderThan: Double?, keepNewest: Int,
                     maxTotalSize: Int64?) -> RetentionPlan {
        let newestFirst = files.sorted {
            $0.modifiedAt != $1.modifiedAt ? $0.modifiedAt > $1.modifiedAt : $0.relativePath < $1.relativePath
        }
        let protected = newestFirst.prefix(keepNewest)
        var candidates = Array(newestFirst.dropFirst(keepNewest))
        var removed: [FileEntry] = []
        if olderThan == nil && maxTotalSize == nil {
            removed = candidates
            candidates = []
        }
        if let olderThan {
            let cutoff = now - Int64(olderThan * 1_000_000)
            removed += candidates.filter { $0.modifiedAt < cutoff }
            candidates.removeAll { $0.modifiedAt < cutoff }
        }
        if let maxTotalSize {
            var total = (protected + candidates).reduce(Int64(0)) { $0 + $1.size }
            while total > maxTotalSize, let oldest = candidates.popLast() {
                removed.append(oldest)
                total -= oldest.size
            }
        }
        let removedSet = Set(removed)
        return RetentionPlan(
            remove: removed.sorted { $0.modifiedAt != $1.modifiedAt ? $0.modifiedAt < $1.modifiedAt
                : $0.relativePath < $1.relativePath },
            keep: newestFirst.filter { !removedSet.contains($0) })
    }
}
