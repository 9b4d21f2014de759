import Foundation
import Testing

/// With no token configured the API still requires one: the daemon generates it into a 0600 file next to the
/// state database, and the CLI on the same machine reads it from there.
@Suite(.serialized) struct GeneratedTokenTests {
    @Test func withoutAConfiguredTokenTheDaemonGeneratesOneAndTheCLIUsesIt() async throws {
        let sandbox = try Sandbox()
        try sandbox.install("libStampPlugin.so")
        let unauthenticated = try AdminHTTP(token: "")
        try sandbox.writeConfig("""
            api:
              listen: 127.0.0.1:\(unauthenticated.port)
            tasks:
              - name: quick
                plugin: stamp
                startup: true
                config: {file: "\(sandbox.path("quick.txt"))"}
            """)
        let daemon = try sandbox.start()
        try await daemon.waitFor("api.listening")
        let file = sandbox.root.appendingPathComponent("var/api-token").path
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64)
        #expect(daemon.log.contains("api.token"))

        #expect(try await unauthenticated.call("GET", "/tasks", token: .some(nil)).status == 401)
        #expect(try await unauthenticated.call("GET", "/tasks", token: .some(token)).status == 200)
        #expect(try await unauthenticated.call("GET", "/health", token: .some(nil)).status == 200)
        let status = try sandbox.cli(["status", "--config", sandbox.configFile.path])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("quick"))

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        // A restart keeps the same token, so scripts that read it once keep working.
        let again = try sandbox.start()
        try await again.waitFor("api.listening")
        #expect(try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == token)
        again.send(SIGTERM)
        #expect(try await again.waitForExit() == 0)
    }
}
