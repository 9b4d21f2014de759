/// The ownership and mode rules for the plugin directory and its files, as cron and sudo apply them: owned by
/// root or the daemon's user, writable by nobody else. Each problem is a sentence with the fix.
struct FileSecurity: Sendable {
    /// The daemon's effective user id.
    var effectiveUserID: UInt32
    /// Skip ownership and mode checks (development only).
    var allowInsecure: Bool

    /// Why `info` (the file or directory at `path`) is not trustworthy, or `nil`.
    func problem(with info: FileInfo, path: String) -> String? {
        if allowInsecure { return nil }
        if info.owner != 0 && info.owner != effectiveUserID {
            return "owned by uid \(info.owner), not by root or the daemon's user (uid \(effectiveUserID)); "
                + "run chown root \(path)"
        }
        let groupWritable = info.permissions & 0o020 != 0
        let worldWritable = info.permissions & 0o002 != 0
        guard groupWritable || worldWritable else { return nil }
        let what = groupWritable && worldWritable ? "group- and world-writable"
            : groupWritable ? "group-writable" : "world-writable"
        return "\(what) (mode \(info.octalPermissions)); run chmod go-w \(path)"
    }

    /// Resolves `path` to the file to read: a regular file, or a symlink whose target is a regular file that
    /// passes the same checks (the link's own target may be anywhere).
    /// - Returns: the path to read and its `FileInfo`, or why the file is refused.
    func inspectFile(_ path: String) -> Result<(path: String, info: FileInfo), PluginRejectionReason> {
        inspect(path, wantDirectory: false)
    }

    /// The same as `inspectFile`, for the plugin directory.
    func inspectDirectory(_ path: String) -> Result<(path: String, info: FileInfo), PluginRejectionReason> {
        inspect(path, wantDirectory: true)
    }

    private func inspect(_ path: String, wantDirectory: Bool) -> Result<(path: String, info: FileInfo), PluginRejectionReason> {
        let kind = wantDirectory ? "a directory" : "a regular file"
        let info: FileInfo
        do {
            info = try Syscalls.lstatInfo(path)
        } catch {
            return .failure(.init(error.isNotFound ? "does not exist" : "cannot inspect: \(error)"))
        }
        var target = path
        var targetInfo = info
        if info.isSymlink {
            do {
                target = try Syscalls.resolvedPath(path)
                targetInfo = try Syscalls.lstatInfo(target)
            } catch {
                return .failure(.init(error.isNotFound ? "a symlink to a missing file" : "cannot resolve symlink: \(error)"))
            }
        }
        let via = target == path ? "" : "symlink to \(target), which is "
        guard wantDirectory ? targetInfo.isDirectory : targetInfo.isRegularFile else {
            return .failure(.init("\(via.isEmpty ? "" : via)not \(kind)"))
        }
        if let problem = problem(with: targetInfo, path: target) {
            return .failure(.init(via + problem))
        }
        return .success((target, targetInfo))
    }
}
