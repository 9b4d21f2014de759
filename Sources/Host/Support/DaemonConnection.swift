import Admin
import ArgumentParser
import Config
import Foundation

/// How the control commands reach the running daemon: the admin API's address and token from the same
/// configuration file the daemon reads.
///
/// Exit codes shared by the control commands: 0 done, 1 (`trigger --wait`) the run did not succeed, 2 the
/// daemon refused the request (unknown task or run, conflict, bad token) or the configuration is invalid, 3 the
/// daemon cannot be reached.
enum DaemonConnection {
    /// A client for the daemon configured in `options.config`.
    ///
    /// When the file has errors elsewhere, its `api:` section is still used (the daemon keeps running its
    /// previous configuration): `reload` then shows the daemon's own report of the errors.
    /// - Parameter quiet: do not mention errors in the file (for `reload`, which prints the daemon's report).
    /// - Throws: `ExitCode(2)` after printing why, when the file or the token cannot be read or the API is disabled.
    static func client(_ options: ConfigOptions, quiet: Bool = false) throws -> AdminClient {
        let api: APISettings
        let stateDatabase: String
        do {
            let config = try ConfigLoader.load(path: options.config, environment: options.environment)
            (api, stateDatabase) = (config.api, config.stateDatabase)
        } catch {
            do {
                (api, stateDatabase) = try ConfigLoader.apiAndState(path: options.config, environment: options.environment)
                if !quiet {
                    Console.error("housekeeper: note: \(options.config) has \(error.diagnostics.count) error(s) "
                        + "(run housekeeper check); using its api: section")
                }
            } catch {
                for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
                throw ExitCode(2)
            }
        }
        guard api.enabled else {
            Console.error("housekeeper: the admin API is disabled (api.enabled: false) in \(options.config)")
            throw ExitCode(2)
        }
        do {
            let token = try AdminToken.clientToken(api, stateDatabase: stateDatabase, environment: options.environment)
            return try AdminClient(listen: api.listen, token: token)
        } catch {
            Console.error("housekeeper: \(error)")
            throw ExitCode(2)
        }
    }

    /// Prints a failed request and returns the exit code for it.
    static func failure(_ error: AdminClientError) -> ExitCode {
        Console.error("housekeeper: \(error)")
        if case .unreachable = error { return ExitCode(3) }
        return ExitCode(2)
    }

    /// Percent-encodes a task name or other path segment.
    static func segment(_ text: String) -> String {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
