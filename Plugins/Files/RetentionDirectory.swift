import HousekeeperPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A problem with one path under the retention directory, reported in the run's output.
struct FileProblem: Sendable, Hashable {
    /// Path relative to the retention directory ("." for the directory itself).
    var relativePath: String
    /// What went wrong.
    var message: String
}

/// What a scan found.
struct DirectoryScan: Sendable {
    /// Regular files whose names match.
    var files: [FileEntry] = []
    /// Paths that could not be read.
    var problems: [FileProblem] = []
    /// Symbolic links seen (never followed, never removed).
    var symlinksSkipped = 0
    /// Subdirectories visited, relative paths.
    var directories: [String] = []
}

/// The retention directory, held open by descriptor. Every lookup below it goes through `openat` with
/// `O_NOFOLLOW` and `fstatat` with `AT_SYMLINK_NOFOLLOW`, so no symbolic link (even one swapped in during a run)
/// leads outside it. The descriptor is closed when the value is released.
final class RetentionDirectory {
    /// The directory's path as configured.
    let path: String
    private let descriptor: Int32

    /// Opens the directory (a symbolic link as `path` itself is followed: the operator chose it).
    /// - Throws: `.permanent` when it does not exist or is not a directory, `.error` otherwise.
    init(path: String) throws(PluginError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let status: PluginError.Status = code == ENOENT || code == ENOTDIR ? .permanent : .error
            throw PluginError(status, "path: cannot open \(path): \(Self.describe(code))")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Lists the regular files matching any of `patterns`.
    /// - Parameters:
    ///   - patterns: file name patterns.
    ///   - recursive: whether to descend into subdirectories (never through symbolic links).
    ///   - shouldStop: polled once per entry.
    /// - Throws: `PluginError.cancelled` when `shouldStop` turns true.
    func scan(patterns: [GlobPattern], recursive: Bool, shouldStop: () -> Bool) throws(PluginError) -> DirectoryScan {
        var scan = DirectoryScan()
        let fd = dup(descriptor)
        guard fd >= 0 else { throw PluginError(.error, "path: cannot scan \(path): \(Self.describe(errno))") }
        try walk(fd, prefix: "", patterns: patterns, recursive: recursive, into: &scan, shouldStop: shouldStop)
        return scan
    }

    /// Walks one directory; takes ownership of `fd`.
    private func walk(_ fd: Int32, prefix: String, patterns: [GlobPattern], recursive: Bool,
                      into scan: inout DirectoryScan, shouldStop: () -> Bool) throws(PluginError) {
        guard let stream = fdopendir(fd) else {
            scan.problems.append(FileProblem(relativePath: prefix.isEmpty ? "." : prefix, message: Self.describe(errno)))
            close(fd)
            return
        }
        defer { closedir(stream) }
        var subdirectories: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 {
                    scan.problems.append(FileProblem(relativePath: prefix.isEmpty ? "." : prefix,
                                                     message: Self.describe(errno)))
                }
                break
            }
            if shouldStop() { throw PluginError.cancelled }
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                scan.problems.append(FileProblem(relativePath: prefix + name, message: Self.describe(errno)))
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFLNK:
                scan.symlinksSkipped += 1
            case S_IFDIR:
                if recursive { subdirectories.append(name) }
            case S_IFREG:
                let relative = prefix + name
                if patterns.contains(where: { $0.matches(name: name, relativePath: relative) }) {
                    scan.files.append(FileEntry(
                        relativePath: relative, size: Int64(info.st_size),
                        modifiedAt: Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1000,
                        device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
                }
            default:
                break  // sockets, FIFOs, devices: never retention candidates
            }
        }
        for name in subdirectories.sorted() {
            let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else {
                scan.problems.append(FileProblem(relativePath: prefix + name, message: Self.describe(errno)))
                continue
            }
            scan.directories.append(prefix + name)
            try walk(child, prefix: prefix + name + "/", patterns: patterns, recursive: recursive, into: &scan,
                     shouldStop: shouldStop)
        }
    }

    /// Removes one file found by `scan`, unless it was replaced since (another inode, or no longer a file).
    /// - Returns: `nil` on success, or what went wrong.
    func remove(_ file: FileEntry) -> String? {
        withParent(of: file.relativePath) { parent, name in
            var info = stat()
            guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return Self.describe(errno) }
            guard info.st_mode & S_IFMT == S_IFREG, UInt64(info.st_dev) == file.device,
                  UInt64(info.st_ino) == file.inode
            else { return "replaced since the scan; left alone" }
            return unlinkat(parent, name, 0) == 0 ? nil : Self.describe(errno)
        }
    }

    /// Removes a subdirectory if it is empty.
    /// - Returns: whether it was removed.
    func removeDirectoryIfEmpty(_ relativePath: String) -> Bool {
        withParent(of: relativePath) { parent, name in
            unlinkat(parent, name, AT_REMOVEDIR) == 0 ? nil : Self.describe(errno)
        } == nil
    }

    /// Opens the parent directory of `relativePath` component by component, refusing symbolic links, and calls
    /// `body` with it and the last component.
    private func withParent(of relativePath: String, _ body: (Int32, String) -> String?) -> String? {
        var components = relativePath.split(separator: "/").map(String.init)
        guard let name = components.popLast() else { return "empty path" }
        var fd = dup(descriptor)
        guard fd >= 0 else { return Self.describe(errno) }
        defer { close(fd) }
        for component in components {
            let next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { return "\(component): \(Self.describe(errno))" }
            close(fd)
            fd = next
        }
        return body(fd, name)
    }

    /// `strerror` text for an errno value.
    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
