import Foundation

/// Runs code on the calling thread with the file-system identity of `nobody`, so permission bits apply even
/// when the tests run as root (CI does). Linux's `setfsuid` is per thread and, when it leaves 0, drops the
/// thread's CAP_DAC_OVERRIDE and CAP_FOWNER, which is exactly what makes root ignore modes.
enum Unprivileged {
    /// The user id used: `nobody`.
    static let uid: UInt32 = 65_534

    private typealias SetFSUID = @convention(c) (UInt32) -> Int32

    /// Calls `body` with fsuid `nobody` when the process is root, restoring fsuid 0 afterwards; otherwise
    /// just calls it (an ordinary user already meets permission checks).
    static func run<T>(_ body: () throws -> T) rethrows -> T {
        guard geteuid() == 0, let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setfsuid") else {
            return try body()
        }
        let setfsuid = unsafeBitCast(symbol, to: SetFSUID.self)
        _ = setfsuid(uid)
        defer { _ = setfsuid(0) }
        return try body()
    }
}
