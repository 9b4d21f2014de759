public import Config
import Foundation

/// The bearer token of the admin API, from `api.token`, `api.token_file` or `api.token_env`.
public enum AdminToken {
    /// Reads the configured token.
    /// - Returns: the token, or nil when none is configured.
    /// - Throws: `AdminTokenError` when the file or variable is missing or empty.
    public static func resolve(
        _ settings: APISettings, environment: [String: String]
    ) throws(AdminTokenError) -> String? {
        if let token = settings.token { return token }
        if let file = settings.tokenFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw AdminTokenError(message: "cannot read api.token_file \(file)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw AdminTokenError(message: "api.token_file \(file) is empty") }
            return token
        }
        if let name = settings.tokenEnvironmentVariable {
            guard let token = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
                throw AdminTokenError(message: "api.token_env names \(name), which is not set or empty")
            }
            return token
        }
        return nil
    }

    /// Where the daemon keeps the token it generates when none is configured: `api-token` next to the state
    /// database, mode 0600, so only the daemon's user (and root) can read it.
    public static func generatedTokenPath(stateDatabase: String) -> String {
        ((stateDatabase as NSString).deletingLastPathComponent as NSString).appendingPathComponent("api-token")
    }

    /// The token a daemon serves with: the configured one, or else, on a loopback address, the generated one in
    /// `generatedTokenPath`, created (32 random bytes, hex) when it does not exist yet. On a non-loopback address
    /// without a configured token it returns nil, and `AdminServer.make` refuses to start.
    /// - Returns: the token and, when it was generated or read from the generated file, that file's path.
    public static func daemonToken(
        _ settings: APISettings, stateDatabase: String, environment: [String: String]
    ) throws(AdminTokenError) -> (token: String?, generatedFile: String?) {
        if let token = try resolve(settings, environment: environment) { return (token, nil) }
        guard ListenAddress(settings.listen)?.isLoopback == true else { return (nil, nil) }
        let path = generatedTokenPath(stateDatabase: stateDatabase)
        if let existing = try? String(contentsOfFile: path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), existing.count >= 32
        {
            chmod(path, 0o600)
            return (existing, path)
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AdminTokenError(message: "cannot write the generated API token to \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let bytes = Array((token + "\n").utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw AdminTokenError(message: "cannot write the generated API token to \(path)")
        }
        return (token, path)
    }

    /// The token a client (the CLI) presents: the configured one, or the one the daemon generated.
    public static func clientToken(
        _ settings: APISettings, stateDatabase: String, environment: [String: String]
    ) throws(AdminTokenError) -> String {
        if let token = try resolve(settings, environment: environment) { return token }
        let path = generatedTokenPath(stateDatabase: stateDatabase)
        guard let token = try? String(contentsOfFile: path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty
        else {
            throw AdminTokenError(message:
                "no API token configured and none generated yet at \(path) (the daemon writes it at start; is it "
                    + "running, and are you its user?); or set api.token_file")
        }
        return token
    }

    /// Compares two tokens in time that depends only on their lengths, never on where they first differ.
    public static func matches(_ presented: some Collection<UInt8>, _ expected: some Collection<UInt8>) -> Bool {
        let a = Array(presented)
        let b = Array(expected)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}

/// The configured token cannot be read.
public struct AdminTokenError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}
