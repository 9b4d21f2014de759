import Foundation
import Synchronization

/// A tiny HTTP server on 127.0.0.1 for one test: it answers connections in order with canned replies and
/// records each request. Runs on its own thread; `stop()` (or `deinit`) closes everything.
final class TestHTTPServer: Sendable {
    /// What the server does with one connection.
    enum Reply: Sendable {
        /// Sends these bytes, then closes.
        case raw(String)
        /// Reads the request and never answers (until `stop()`).
        case hold
        /// Sends these bytes and keeps the connection open (until the client closes it or `stop()`).
        case rawThenHold(String)
    }

    /// One request as received.
    struct Request: Sendable {
        var head: String
        var body: String
        var requestLine: String { head.components(separatedBy: "\r\n").first ?? "" }
        func header(_ name: String) -> String? {
            head.components(separatedBy: "\r\n").dropFirst().first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The port it listens on.
    let port: Int
    /// Signalled once per request read.
    let received = DispatchSemaphore(value: 0)
    private let listener: Int32
    private let state = Mutex<(requests: [Request], open: [Int32])>(([], []))

    /// Starts listening and serving `replies`, one per connection.
    init(_ replies: [Reply]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw HarnessError("cannot listen on 127.0.0.1")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in serve(replies) }
    }

    /// A URL on this server.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The requests received so far.
    var requests: [Request] { state.withLock { $0.requests } }

    /// Closes the listener and any held connection.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        state.withLock { for fd in $0.open { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    deinit {
        stop()
        close(listener)
    }

    private func serve(_ replies: [Reply]) {
        for reply in replies {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            state.withLock { $0.open.append(fd) }
            let request = readRequest(fd)
            state.withLock { $0.requests.append(request) }
            received.signal()
            switch reply {
            case .raw(let text):
                let bytes = Array(text.utf8)
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                closeConnection(fd)
            case .hold, .rawThenHold:
                if case .rawThenHold(let text) = reply {
                    let bytes = Array(text.utf8)
                    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                var byte: UInt8 = 0
                _ = recv(fd, &byte, 1, 0)  // returns when the client closes or stop() shuts it down
                closeConnection(fd)
            }
        }
    }

    /// Closes an accepted connection and forgets it, under the lock: `stop()` must never shut down a descriptor
    /// number that was closed here and reused since by another test's socket (tests run in parallel).
    private func closeConnection(_ fd: Int32) {
        state.withLock { state in
            state.open.removeAll { $0 == fd }
            close(fd)
        }
    }

    private func readRequest(_ fd: Int32) -> Request {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = data.firstRange(of: [13, 10, 13, 10]) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
                let request = Request(head: head, body: "")
                let length = Int(request.header("Content-Length") ?? "0") ?? 0
                if data.count - end.upperBound >= length {
                    return Request(head: head, body: String(decoding: data[end.upperBound...], as: UTF8.self))
                }
            }
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { return Request(head: String(decoding: data, as: UTF8.self), body: "") }
            data += chunk[0..<count]
        }
    }
}
