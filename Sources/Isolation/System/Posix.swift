#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import CIsolation

/// A failed system call: the operation and `errno`.
struct PosixError: Error, Sendable, CustomStringConvertible {
    /// The call, e.g. `socketpair`.
    var operation: String
    /// The `errno` it set.
    var code: Int32

    /// `socketpair: Too many open files`.
    var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// The system calls of the isolation module, each with a typed error; the C ones live in `CIsolation`.
enum Posix {
    /// A connected pair of stream sockets (close-on-exec): the daemon writes to one end without risking
    /// SIGPIPE (`send` with `MSG_NOSIGNAL`) when the worker is already gone.
    static func socketPair() throws(PosixError) -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw PosixError(operation: "socketpair", code: errno)
        }
        return (ends[0], ends[1])
    }

    /// A pipe (close-on-exec): (read end, write end).
    static func pipe() throws(PosixError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard hk_pipe(&ends) == 0 else { throw PosixError(operation: "pipe2", code: errno) }
        return (ends[0], ends[1])
    }

    /// Makes reads on `fd` return at once when nothing is there.
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Writes all of `bytes` to `fd`: `send` without SIGPIPE on sockets, `write` otherwise.
    /// - Returns: whether everything was written.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], socket: Bool = false) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                socket ? send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    : write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    /// What one non-blocking read found.
    enum ReadResult {
        /// Some bytes.
        case bytes([UInt8])
        /// Nothing right now.
        case wouldBlock
        /// The other end is closed (or the descriptor failed).
        case endOfFile
    }

    /// Reads what is available on `fd`, up to 64 KiB.
    static func read(_ fd: Int32) -> ReadResult {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 { return .bytes(Array(chunk[0..<count])) }
            if count == 0 { return .endOfFile }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .endOfFile
        }
    }

    /// Waits until one of `fds` is readable (or hung up), at most `timeoutMilliseconds` (-1: no limit).
    /// - Returns: for each descriptor, whether it is readable or hung up.
    static func poll(_ fds: [Int32], timeoutMilliseconds: Int32) -> [Bool] {
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let count = entries.withUnsafeMutableBufferPointer { buffer in
            Glibc.poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMilliseconds)
        }
        guard count > 0 else { return fds.map { _ in false } }
        return entries.map { $0.fd >= 0 && $0.revents != 0 }
    }

    /// Sends `signal` to the process group `group` (the worker and whatever it started).
    static func signalGroup(_ group: pid_t, _ signal: Int32) {
        if kill(-group, signal) != 0 { _ = kill(group, signal) }
    }

    /// Closes `fd` if it is open (≥ 0).
    static func close(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// The signal's name (`SIGSEGV`), or `signal N`.
    static func signalName(_ signal: Int32) -> String {
        hk_signal_name(signal).map { String(cString: $0) } ?? "signal \(signal)"
    }

    /// What the signal usually means, for messages.
    static func signalMeaning(_ signal: Int32) -> String? {
        switch signal {
        case SIGSEGV: "segmentation fault"
        case SIGBUS: "bus error"
        case SIGABRT: "aborted"
        case SIGILL: "illegal instruction (a Swift runtime trap or fatalError)"
        case SIGTRAP: "trace trap (a Swift runtime trap)"
        case SIGFPE: "arithmetic error"
        case SIGXCPU: "CPU time limit exceeded"
        case SIGKILL: "killed"
        case SIGTERM: "terminated"
        default: nil
        }
    }

    /// The daemon's own executable, for spawning workers and probes: `/proc/self/exe`, which the spawned child
    /// resolves before its `exec`, so it is the very binary the daemon runs even after an upgrade replaced or
    /// deleted the file on disk (and so always speaks the same protocol version).
    static let ownExecutable = "/proc/self/exe"

    /// Monotonic time in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
