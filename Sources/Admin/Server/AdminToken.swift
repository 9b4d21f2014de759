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
