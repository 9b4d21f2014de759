import Foundation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Checks before start-up that the API's address can be bound, so a port in use is a clear start-up error
/// instead of a server that fails after the scheduler has started.
enum PortProbe {
    /// Binds (with `SO_REUSEADDR`, as the server does) and closes a socket on `address`.
    /// - Returns: nil when the address can be bound, otherwise the system's reason.
    static func problem(binding address: ListenAddress) -> String? {
        guard address.port != 0 else { return nil }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &results)
        guard status == 0, let first = results else {
            return "cannot resolve \(address.host): \(String(cString: gai_strerror(status)))"
        }
        defer { freeaddrinfo(results) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            return String(cString: strerror(errno))
        }
        return nil
    }
}
