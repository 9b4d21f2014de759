import HousekeeperPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an exchange failed before a response arrived.
enum ExchangeFailure: Error {
    /// The host asked the run to stop.
    case stopped
    /// The timeout passed.
    case timedOut(String)
    /// The server could not be reached or dropped the connection (worth retrying).
    case network(String)
    /// The server answered with something that is not HTTP.
    case protocolError(String)
}

/// One HTTP/1.1 request and its response over a plain TCP socket with `Connection: close`.
///
/// The socket is non-blocking; every wait is a `poll` of at most 50 ms, so a stop request or the timeout is
/// noticed promptly during name resolution's aftermath, connecting, sending and receiving. (Name resolution
/// itself is `getaddrinfo`, which cannot be interrupted; use an IP address or a local resolver for tight
/// timeouts.)
struct HTTPExchange {
    let url: HTTPURL
    let request: [UInt8]
    let isHead: Bool
    let timeout: Double
    let bodyLimit: Int
    let shouldStop: () -> Bool

    /// Sends the request and reads the response.
    func perform() throws(ExchangeFailure) -> HTTPResponse {
        let deadline = Self.now() + timeout
        let fd = try connect(deadline: deadline)
        defer { close(fd) }
        var sent = 0
        while sent < request.count {
            try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "sending the request")
            let count = request.withUnsafeBytes {
                send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .network("sending to \(url.hostHeader): \(Self.describe(errno))")
            }
            sent += count
        }
        var reader = HTTPResponseReader(bodyLimit: bodyLimit, isHead: isHead)
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            try wait(fd, for: Int16(POLLIN), until: deadline, doing: "waiting for the response")
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .network("reading from \(url.hostHeader): \(Self.describe(errno))")
            }
            if count == 0 { break }
            do throws(HTTPResponseReader.Problem) {
                if try reader.append(chunk[0..<count]) { break }
            } catch {
                switch error {
                case .malformed(let problem): throw .protocolError(problem)
                }
            }
        }
        guard let response = reader.response() else {
            throw .network("\(url.hostHeader) closed the connection without a response")
        }
        return response
    }

    /// Connects to the first address of the host that accepts, before the deadline.
    private func connect(deadline: Double) throws(ExchangeFailure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(url.host, String(url.port), &hints, &list)
        guard resolved == 0, let list else {
            throw .network("cannot resolve \(url.host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var lastProblem = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue)
                                | Int32(SOCK_NONBLOCK.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else { lastProblem = Self.describe(errno); continue }
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastProblem = Self.describe(errno)
                close(fd)
                continue
            }
            do throws(ExchangeFailure) {
                try wait(fd, for: Int16(POLLOUT), until: deadline, doing: "connecting to \(url.hostHeader)")
            } catch {
                close(fd)
                throw error
            }
            var problem: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length)
            if problem == 0 { return fd }
            lastProblem = Self.describe(problem)
            close(fd)
        }
        throw .network("cannot connect to \(url.hostHeader): \(lastProblem)")
    }

    /// Waits until `fd` is ready for `events`, polling the stop flag every 50 ms.
    private func wait(_ fd: Int32, for events: Int16, until deadline: Double, doing what: String) throws(ExchangeFailure) {
        while true {
            if shouldStop() { throw .stopped }
            let remaining = deadline - Self.now()
            guard remaining > 0 else { throw .timedOut("timed out after \(Self.format(timeout)) \(what)") }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(50, max(1, remaining * 1000))))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .network("\(what): \(Self.describe(errno))") }
        }
    }

    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func format(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms"
            : seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
