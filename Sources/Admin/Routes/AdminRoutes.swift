import Foundation
import Hummingbird

/// One endpoint of the admin API: method, path (Hummingbird syntax, `{name}` parameters) and handler.
///
/// The router is built from `AdminRoutes.all`, and a test compares the same list with `docs/openapi.yaml`, so
/// the document cannot drift from the code.
public struct AdminEndpoint: Sendable {
    /// `GET`, `POST`.
    public var method: String
    /// The path, e.g. `/tasks/{name}/run`.
    public var path: String
    let handler: @Sendable (Request, BasicRequestContext, AdminContext) async throws -> Response
}

/// Every endpoint of the admin API.
public enum AdminRoutes {
    /// The endpoints, in the order the documentation lists them.
    public static let all: [AdminEndpoint] = [
        AdminEndpoint(method: "GET", path: "/health", handler: health),
        AdminEndpoint(method: "GET", path: "/ready", handler: ready),
        AdminEndpoint(method: "GET", path: "/metrics", handler: metrics),
        AdminEndpoint(method: "GET", path: "/status", handler: status),
        AdminEndpoint(method: "GET", path: "/tasks", handler: listTasks),
        AdminEndpoint(method: "POST", path: "/tasks", handler: addTask),
        AdminEndpoint(method: "GET", path: "/tasks/{name}", handler: showTask),
        AdminEndpoint(method: "PUT", path: "/tasks/{name}", handler: replaceTask),
        AdminEndpoint(method: "DELETE", path: "/tasks/{name}", handler: removeTask),
        AdminEndpoint(method: "POST", path: "/tasks/{name}/run", handler: runTask),
        AdminEndpoint(method: "DELETE", path: "/tasks/{name}/planned/{id}", handler: cancelPlannedRun),
        AdminEndpoint(method: "POST", path: "/tasks/{name}/pause", handler: pauseTask),
        AdminEndpoint(method: "POST", path: "/tasks/{name}/resume", handler: resumeTask),
        AdminEndpoint(method: "GET", path: "/runs", handler: listRuns),
        AdminEndpoint(method: "GET", path: "/runs/{id}", handler: showRun),
        AdminEndpoint(method: "POST", path: "/runs/{id}/retry", handler: retryRun),
        AdminEndpoint(method: "POST", path: "/runs/{id}/cancel", handler: cancelRun),
        AdminEndpoint(method: "POST", path: "/reload", handler: reload),
        AdminEndpoint(method: "GET", path: "/plugins", handler: plugins),
    ]

    /// The methods routed for a concrete path (`{name}` segments match any segment), for `405` answers.
    static func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return all.filter { endpoint in
            let pattern = endpoint.path.split(separator: "/", omittingEmptySubsequences: false)
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { expected, actual in
                expected.hasPrefix("{") ? !actual.isEmpty : expected == actual
            }
        }.map(\.method)
    }

    /// A router serving every endpoint with JSON errors and bearer-token auth.
    /// - Parameter token: the expected token; nil serves without authentication (loopback only).
    static func router(context: AdminContext, token: String?) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(logger: context.logger))
        router.add(middleware: BearerTokenMiddleware(token: token.map { Array($0.utf8) }))
        for endpoint in all {
            let path = RouterPath(
                endpoint.path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: ""))
            let handler = endpoint.handler
            router.on(path, method: HTTPRequest.Method(endpoint.method)!) { request, requestContext in
                try await handler(request, requestContext, context)
            }
        }
        return router
    }
}
