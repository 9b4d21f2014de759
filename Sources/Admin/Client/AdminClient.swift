public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to a running daemon's admin API: what `housekeeper status`, `trigger`, `pause`, `resume`, `cancel`,
/// `retry` and `reload` use.
public struct AdminClient: Sendable {
    /// `http://host:port`.
    public let baseURL: URL
    let token: String?

    /// Creates a client for the daemon listening on `listen` (`api.listen`). A wildcard address (`0.0.0.0`,
    /// `::`) is reached on loopback.
    /// - Throws: `AdminClientError.invalidAddress` when `listen` is not `host:port`.
    public init(listen: String, token: String?) throws(AdminClientError) {
        guard var address = ListenAddress(listen) else { throw .invalidAddress(listen) }
        if address.host == "0.0.0.0" { address.host = "127.0.0.1" }
        if address.host == "::" { address.host = "::1" }
        guard let url = URL(string: "http://\(address)") else { throw .invalidAddress(listen) }
        self.baseURL = url
        self.token = token
    }

    /// Sends a request and decodes a successful (2xx) JSON body as `T`.
    /// - Throws: `AdminClientError`: `.api` with the server's error code and message for 4xx/5xx answers.
    /// - Parameter body: a JSON request body, if any.
    public func send<T: Decodable>(
        _ method: String, _ path: String, body: String? = nil, as type: T.Type
    ) async throws(AdminClientError) -> T {
        let (status, data) = try await raw(method, path, body: body)
        guard (200..<300).contains(status) else { throw Self.apiError(status: status, data: data) }
        do {
            return try Self.decoder.decode(T.self, from: data)
        } catch {
            throw .invalidResponse("\(method) \(path): \(error)")
        }
    }

    /// Sends a request and returns a successful (2xx) body as text (JSON, or Prometheus text for `/metrics`).
    /// - Throws: `AdminClientError`: `.api` with the server's error code and message for 4xx/5xx answers.
    public func text(_ method: String, _ path: String) async throws(AdminClientError) -> String {
        let (status, data) = try await raw(method, path)
        guard (200..<300).contains(status) else { throw Self.apiError(status: status, data: data) }
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends a request and returns the status and body, whatever the status.
    public func raw(
        _ method: String, _ path: String, body: String? = nil
    ) async throws(AdminClientError) -> (status: Int, body: Data) {
        guard let url = URL(string: baseURL.absoluteString + path) else { throw .invalidResponse("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        request.timeoutInterval = 60
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { throw AdminClientError.invalidResponse("not HTTP") }
            return (http.statusCode, data)
        } catch let error as AdminClientError {
            throw error
        } catch {
            throw .unreachable("\(baseURL.absoluteString): \(error.localizedDescription)")
        }
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    static func apiError(status: Int, data: Data) -> AdminClientError {
        if let envelope = try? decoder.decode(ErrorEnvelope.self, from: data) {
            var message = envelope.error.message
            if let failed = try? decoder.decode(ReloadFailed.self, from: data), !failed.diagnostics.isEmpty {
                message += "\n" + failed.diagnostics.map(\.text).joined(separator: "\n")
            }
            if let invalid = try? decoder.decode(TaskInvalid.self, from: data) {
                return .invalidTask(status: status, message: envelope.error.message, problems: invalid.problems)
            }
            return .api(status: status, code: envelope.error.code, message: message)
        }
        return .api(status: status, code: "http_\(status)", message: String(decoding: data.prefix(500), as: UTF8.self))
    }
}

/// A request to the admin API that did not succeed.
public enum AdminClientError: Error, Sendable, CustomStringConvertible {
    /// `api.listen` is not `host:port`.
    case invalidAddress(String)
    /// No daemon answers at the address (not running, API disabled, another port).
    case unreachable(String)
    /// The daemon answered with an error.
    case api(status: Int, code: String, message: String)
    /// The answer could not be understood.
    case invalidResponse(String)
    /// The daemon refused a task definition (`422 task_invalid`), with every problem.
    case invalidTask(status: Int, message: String, problems: [TaskInvalid.Problem])

    /// A line for the terminal.
    public var description: String {
        switch self {
        case .invalidAddress(let text): "invalid api.listen \"\(text)\"; write host:port"
        case .unreachable(let detail):
            "cannot reach the daemon's admin API at \(detail); is `housekeeper run` running with api.enabled?"
        case .api(let status, let code, let message): "\(message) (HTTP \(status), \(code))"
        case .invalidResponse(let detail): "unexpected answer from the admin API: \(detail)"
        case .invalidTask(let status, let message, _): "\(message) (HTTP \(status), task_invalid)"
        }
    }
}
