public import Hummingbird
import Foundation

/// An error the admin API answers with: an HTTP status and `{"error": {"code": "...", "message": "..."}}`.
public struct AdminError: HTTPResponseError, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable machine-readable code, e.g. `task_not_found`.
    public var code: String
    /// A sentence for people that names the subject.
    public var message: String

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `status code: message`.
    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = JSONBody.response(ErrorEnvelope(error: .init(code: code, message: message)), status: status)
        if status == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer realm=\"housekeeper\""
        }
        return response
    }

    /// 400: a malformed request (bad query parameter, bad id).
    static func badRequest(_ message: String) -> AdminError { AdminError(.badRequest, code: "bad_request", message) }
    /// 404: no task by that name.
    static func taskNotFound(_ name: String) -> AdminError {
        AdminError(.notFound, code: "task_not_found", "no task named \"\(name)\" in the running configuration")
    }
    /// 404: no run with that id.
    static func runNotFound(_ id: Int64) -> AdminError {
        AdminError(.notFound, code: "run_not_found", "no run with id \(id) in history")
    }
}

/// `{"error": {"code", "message"}}`.
public struct ErrorEnvelope: Codable, Sendable, Hashable {
    /// The error.
    public struct Body: Codable, Sendable, Hashable {
        /// Stable machine-readable code.
        public var code: String
        /// For people.
        public var message: String
    }

    /// The error.
    public var error: Body
}

/// Encodes response bodies: snake_case keys, sorted, so output is stable.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var bytes = ByteBuffer(bytes: data)
        bytes.writeString("\n")
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: bytes))
    }
}
