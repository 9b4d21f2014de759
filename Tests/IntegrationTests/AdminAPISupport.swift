import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Talks HTTP to a daemon under test on a loopback port the test picked.
struct AdminHTTP {
    let port: Int
    let token: String

    /// The YAML `api:` section for this port and token.
    var configSection: String {
        "api:\n  listen: 127.0.0.1:\(port)\n  token: \(token)\n"
    }

    /// A port that was free a moment ago on 127.0.0.1 (the kernel picks it; the socket is closed again).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    init(token: String = "test-token-\(UUID().uuidString.prefix(8))") throws {
        self.port = try Self.freePort()
        self.token = token
    }

    /// An answer: status, headers and body.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var text: String

        /// The body as a JSON object.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }

        /// `error.code` of an error body.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    /// Sends a request; `token: .some(nil)` sends no Authorization header, the default sends the right one.
    func call(_ method: String, _ path: String, token: String?? = .none, body: String? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let bearer: String? = switch token {
        case .none: self.token
        case .some(let chosen): chosen
        }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return Answer(status: http.statusCode, headers: headers, text: String(decoding: data, as: UTF8.self))
    }

    /// Polls `GET /runs/{id}` until the run has a final status, and returns the run.
    func waitForEnd(of id: Int) async throws -> [String: Any] {
        var run: [String: Any] = [:]
        try await eventually("run \(id) to end") {
            // `eventually` takes a synchronous condition; the last fetched answer is checked.
            guard let status = run["status"] as? String else { return false }
            return status != "running" && status != "queued"
        } refresh: {
            run = try await call("GET", "/runs/\(id)").json
        }
        return run
    }
}

/// Like `eventually`, with an async step run before each look at the condition.
func eventually(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () throws -> Bool, refresh: () async throws -> Void
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        try await refresh()
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting for: \(what())", sourceLocation: sourceLocation)
    throw CancellationError()
}

/// Values of a Prometheus text exposition by series (`name{labels}` as written).
func prometheusSeries(_ text: String) -> [String: Double] {
    var series: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        series[String(line[..<space])] = value
    }
    return series
}
