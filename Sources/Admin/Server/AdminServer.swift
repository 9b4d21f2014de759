public import Config
import Hummingbird
import Logging
public import ServiceLifecycle

/// The admin HTTP API as a service of the daemon's `ServiceGroup` (Hummingbird, HTTP/1.1).
public enum AdminServer {
    /// Builds the server for `settings`.
    /// - Parameters:
    ///   - token: the resolved bearer token (see `AdminToken.resolve`); nil allows only a loopback address.
    ///   - onListening: called with the bound port once the server accepts connections.
    /// - Throws: `AdminServerError` for a malformed address, a non-loopback address without a token, or an
    ///   address that cannot be bound (a port in use).
    public static func make(
        settings: APISettings, token: String?, context: AdminContext,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(AdminServerError) -> any Service {
        guard let address = ListenAddress(settings.listen) else {
            throw AdminServerError(message: "invalid api.listen \"\(settings.listen)\"; write host:port")
        }
        if token == nil, !address.isLoopback {
            throw AdminServerError(message:
                "refusing to serve the admin API on \(address), which is not a loopback address, without a token; "
                + "set api.token_file (or api.token_env), or listen on 127.0.0.1")
        }
        if let problem = PortProbe.problem(binding: address) {
            throw AdminServerError(message:
                "cannot serve the admin API on \(address): \(problem); set api.listen to a free address "
                + "or api.enabled: false")
        }
        if token == nil {
            context.logger.warning("api.unauthenticated", metadata: [
                "api.listen": "\(address)", "hint": "set api.token_file to require a bearer token",
            ])
        }
        let router = AdminRoutes.router(context: context, token: token)
        var logger = context.logger
        logger.logLevel = max(logger.logLevel, .notice)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: "housekeeper"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                context.logger.info("api.listening", metadata: ["api.address": "\(address.host):\(port)"])
                await onListening(port)
            },
            logger: logger)
    }
}

/// The admin API cannot be started.
public struct AdminServerError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and what to do.
    public var message: String
    /// The message.
    public var description: String { message }
}
