import Foundation
import Hummingbird
import Logging

/// Turns every error into the API's JSON error shape, including the router's own 404 and 405.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = AdminRoutes.methods(forPath: request.uri.path)
            guard !allowed.isEmpty else {
                let message = "no such endpoint: \(request.method) \(request.uri.path)"
                return try AdminError(.notFound, code: "not_found", message).response(from: request, context: context)
            }
            var response = try AdminError(
                .methodNotAllowed, code: "method_not_allowed",
                "\(request.method) is not allowed on \(request.uri.path); use \(allowed.joined(separator: " or "))"
            ).response(from: request, context: context)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        } catch let error as HTTPError {
            let code = switch error.status {
            case .notFound: "not_found"
            case .methodNotAllowed: "method_not_allowed"
            case .badRequest: "bad_request"
            default: "http_\(error.status.code)"
            }
            let message = error.body ?? (error.status == .notFound
                ? "no such endpoint: \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return try AdminError(error.status, code: code, message).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            // AdminError, TaskInvalidError: they write their own JSON body.
            return try error.response(from: request, context: context)
        } catch {
            logger.error("api.request.failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try AdminError(.internalServerError, code: "internal", "\(error)")
                .response(from: request, context: context)
        }
    }
}

/// Requires `Authorization: Bearer <token>` on every path except `/health`, compared in constant time.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The expected token's bytes; nil: no token configured (loopback only), every request passes.
    let token: [UInt8]?
    /// Paths served without a token.
    let openPaths: Set<String> = ["/health"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let token, !openPaths.contains(request.uri.path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw AdminError(
                .unauthorized, code: "unauthorized", "missing Authorization header; send Authorization: Bearer <token>")
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix.lowercased()),
              AdminToken.matches(Array(header.utf8.dropFirst(prefix.utf8.count)), token)
        else {
            throw AdminError(.unauthorized, code: "unauthorized", "invalid bearer token")
        }
        return try await next(request, context)
    }
}
