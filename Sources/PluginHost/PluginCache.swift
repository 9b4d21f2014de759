import Crypto

/// The private, content-addressed copies that get dlopened: `<cache>/<file-stem>-<sha256>.so`.
///
/// Loading a copy (never the operator's file) closes the gap between the permission check and the load, and
/// defeats dlopen's cache by path and inode: changed content gets a new path, so a new handle.
struct PluginCache: Sendable {
    /// The cache directory.
    var directory: String
    /// The daemon's effective user id (the cache must be ours alone).
    var effectiveUserID: UInt32

    /// Creates the directory (mode 0700, parents too) if needed and checks nobody else can use it.
    /// - Returns: why it cannot be used, or `nil`.
    func prepare() -> String? {
        do {
            var prefix = directory.hasPrefix("/") ? "" : "."
            for component in directory.split(separator: "/") {
                prefix += "/" + component
                if (try? Syscalls.lstatInfo(prefix)) == nil { try Syscalls.makeDirectory(prefix, mode: 0o700) }
            }
            let info = try Syscalls.lstatInfo(directory)
            guard info.isDirectory else { return "plugin cache is not a directory (a symlink or a file)" }
            guard info.owner == effectiveUserID else {
                return "plugin cache is owned by uid \(info.owner), not by the daemon's user (uid \(effectiveUserID));"
                    + " run chown \(effectiveUserID) \(directory)"
            }
            guard info.permissions & 0o077 == 0 else {
                return "plugin cache is accessible to others (mode \(info.octalPermissions)); run chmod 0700 \(directory)"
            }
            return nil
        } catch {
            return "cannot create plugin cache: \(error)"
        }
    }

    /// SHA-256 of `bytes`, lowercase hex.
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The copy's path for a plugin file and its content hash.
    func path(forSource source: String, sha256: String) -> String {
        var stem = String(source.split(separator: "/").last ?? "plugin")
        if stem.hasSuffix(".so") { stem.removeLast(3) }
        return "\(directory)/\(stem)-\(sha256).so"
    }

    /// Makes sure an identical copy of `bytes` exists at `path(forSource:sha256:)`, reusing one already there.
    /// A differing file at that path is replaced by rename (never rewritten in place: it may be mapped).
    /// - Returns: the copy's path.
    func store(_ bytes: [UInt8], source: String, sha256: String) throws(SystemError) -> String {
        let target = path(forSource: source, sha256: sha256)
        if let existing = try? Syscalls.readFile(target), existing.info.isRegularFile,
           existing.info.owner == effectiveUserID, Self.sha256(existing.bytes) == sha256 {
            return target
        }
        let temporary = "\(directory)/.\(sha256).\(Syscalls.processID()).tmp"
        Syscalls.removeFile(temporary)
        do {
            try Syscalls.createFile(temporary, bytes: bytes, finalMode: 0o500)
            try Syscalls.renameFile(temporary, to: target)
        } catch {
            Syscalls.removeFile(temporary)
            throw error
        }
        return target
    }
}
