/// Settings of the admin HTTP API (`api:`).
public struct APISettings: Sendable, Hashable {
    /// `host:port` to listen on (`api.listen`, default `127.0.0.1:8089`).
    public var listen: String
    /// Whether the API is served (`api.enabled`, default true).
    public var enabled: Bool
    /// The bearer token written inline (`api.token`), if any.
    public var token: String?
    /// Absolute path of a file holding the bearer token (`api.token_file`), if any.
    public var tokenFile: String?
    /// Name of an environment variable holding the bearer token (`api.token_env`), if any.
    public var tokenEnvironmentVariable: String?
    /// Whether runtime tasks may be added, replaced and removed through the API (`api.runtime_tasks`, default
    /// true). False keeps the file the only place tasks are defined (tasks stored earlier still load).
    public var runtimeTasks = true

    /// Creates settings; the defaults are those of a file without an `api:` section.
    public init(
        listen: String = "127.0.0.1:8089",
        enabled: Bool = true,
        token: String? = nil,
        tokenFile: String? = nil,
        tokenEnvironmentVariable: String? = nil
    ) {
        self.listen = listen
        self.enabled = enabled
        self.token = token
        self.tokenFile = tokenFile
        self.tokenEnvironmentVariable = tokenEnvironmentVariable
    }
}
