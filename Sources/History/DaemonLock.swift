import Foundation

/// One daemon per state database: an exclusive `flock` on `<database>.lock`, held for the daemon's life, with
/// the holder's PID written inside so a second daemon can name it.
///
/// The kernel releases the lock when the process dies, however it dies, so a stale lock file never blocks a
/// restart.
public final class DaemonLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock for the database at `database`.
    /// - Throws: `HistoryError` naming the PID of the daemon that holds it, or why the file cannot be opened.
    public init(database: String) throws(HistoryError) {
        path = database + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HistoryError(path: path, message: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
            throw HistoryError(
                path: database,
                message: "another housekeeper daemon (pid \(holder)) is using this state database; stop it first, "
                    + "or give this one its own state.database")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }
}
