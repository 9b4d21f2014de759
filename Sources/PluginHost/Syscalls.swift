#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the operation, its subject and `errno`.
struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call, e.g. `open`.
    var operation: String
    /// The path it was about.
    var path: String
    /// The `errno` it set.
    var code: Int32

    /// `open /x: No such file or directory`.
    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }

    /// Whether the file did not exist.
    var isNotFound: Bool { code == ENOENT }
}

/// The file facts the loader checks, read by `lstat`/`stat`/`fstat`.
struct FileInfo: Sendable, Hashable {
    /// `st_mode` (type and permission bits).
    var mode: UInt32
    /// `st_uid`.
    var owner: UInt32
    /// `st_size`.
    var size: Int64
    /// `st_mtim` in nanoseconds since the epoch.
    var modifiedNanoseconds: Int64
    /// `st_dev` and `st_ino`: which file this is.
    var device: UInt64
    /// `st_ino`.
    var inode: UInt64

    init(_ s: stat) {
        mode = UInt32(s.st_mode)
        owner = UInt32(s.st_uid)
        size = Int64(s.st_size)
        modifiedNanoseconds = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
    }

    var isRegularFile: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFREG) }
    var isDirectory: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
    var isSymlink: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFLNK) }
    /// The permission bits, e.g. `0o644`.
    var permissions: UInt32 { mode & 0o7777 }
    /// The permission bits in octal as `chmod` takes them, e.g. `0664`.
    var octalPermissions: String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Every system and dynamic-loader call of the plugin host, each returning a typed error with `errno`.
/// `dlerror()` is read right after the failing call, before anything else can overwrite it.
enum Syscalls {
    static func effectiveUserID() -> UInt32 { UInt32(geteuid()) }

    static func lstatInfo(_ path: String) throws(SystemError) -> FileInfo {
        var s = stat()
        guard lstat(path, &s) == 0 else { throw SystemError(operation: "lstat", path: path, code: errno) }
        return FileInfo(s)
    }

    static func statInfo(_ path: String) throws(SystemError) -> FileInfo {
        var s = stat()
        guard stat(path, &s) == 0 else { throw SystemError(operation: "stat", path: path, code: errno) }
        return FileInfo(s)
    }

    static func resolvedPath(_ path: String) throws(SystemError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw SystemError(operation: "realpath", path: path, code: errno)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The names in a directory, without `.` and `..`.
    static func directoryEntries(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError(operation: "opendir", path: path, code: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Reads a whole file opened without following symlinks, with the `fstat` of the open descriptor, so the
    /// caller can check the bytes come from the very file it inspected.
    static func readFile(_ path: String) throws(SystemError) -> (bytes: [UInt8], info: FileInfo) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError(operation: "open", path: path, code: errno) }
        defer { close(fd) }
        var s = stat()
        guard fstat(fd, &s) == 0 else { throw SystemError(operation: "fstat", path: path, code: errno) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(s.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "read", path: path, code: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return (bytes, FileInfo(s))
    }

    /// Creates `path` (which must not exist) with `bytes`, then sets `finalMode`.
    static func createFile(_ path: String, bytes: [UInt8], finalMode: UInt32) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw SystemError(operation: "create", path: path, code: errno) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "write", path: path, code: errno)
            }
            offset += count
        }
        guard fchmod(fd, mode_t(finalMode)) == 0 else { throw SystemError(operation: "chmod", path: path, code: errno) }
    }

    static func makeDirectory(_ path: String, mode: UInt32) throws(SystemError) {
        guard mkdir(path, mode_t(mode)) == 0 || errno == EEXIST else {
            throw SystemError(operation: "mkdir", path: path, code: errno)
        }
    }

    static func renameFile(_ from: String, to: String) throws(SystemError) {
        guard rename(from, to) == 0 else { throw SystemError(operation: "rename", path: to, code: errno) }
    }

    static func removeFile(_ path: String) {
        _ = unlink(path)
    }

    static func processID() -> Int32 { getpid() }

    /// `dlopen(path, RTLD_NOW | RTLD_LOCAL)`; the failure carries `dlerror()` read at once.
    static func openLibrary(_ path: String) -> Result<LibraryHandle, DynamicLoaderError> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(DynamicLoaderError(message: lastLoaderError()))
        }
        return .success(LibraryHandle(pointer: handle))
    }

    /// `dlsym(handle, name)`, or the loader's message when the symbol is absent.
    static func symbol(_ name: String, in handle: LibraryHandle) -> Result<UnsafeMutableRawPointer, DynamicLoaderError> {
        _ = dlerror()  // clear a stale message: NULL can be a valid symbol value, dlerror tells them apart
        guard let address = dlsym(handle.pointer, name) else {
            return .failure(DynamicLoaderError(message: lastLoaderError()))
        }
        return .success(address)
    }

    private static func lastLoaderError() -> String {
        guard let message = dlerror() else { return "unknown dynamic loader error" }
        return String(cString: message)
    }
}

/// A `dlopen` handle. Never closed: plugin code stays mapped for the life of the process.
struct LibraryHandle: @unchecked Sendable {
    // @unchecked: the handle is an opaque token the loader never frees (we never dlclose); sharing it is safe.
    let pointer: UnsafeMutableRawPointer
}

/// What `dlopen` or `dlsym` said when it failed.
struct DynamicLoaderError: Error, Sendable, Hashable {
    /// The `dlerror()` text.
    var message: String
}
