import Admin
import Config
import Foundation
import Testing

/// Token resolution and comparison, and which listen addresses count as loopback.
struct AdminTokenTests {
    @Test(arguments: [
        ("s3cret", "s3cret", true), ("s3cret", "s3creT", false), ("s3cret", "s3cre", false),
        ("", "s3cret", false), ("s3cret-and-more", "s3cret", false), ("", "", true),
    ])
    func tokensMatchOnlyWhenEqual(presented: String, expected: String, matches: Bool) {
        #expect(AdminToken.matches(Array(presented.utf8), Array(expected.utf8)) == matches)
    }

    @Test func theTokenComesFromTheInlineValueAFileOrAVariable() throws {
        #expect(try AdminToken.resolve(APISettings(token: "inline"), environment: [:]) == "inline")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hk-token-\(UUID().uuidString)")
        try "from-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try AdminToken.resolve(APISettings(tokenFile: file.path), environment: [:]) == "from-file")
        #expect(try AdminToken.resolve(APISettings(tokenEnvironmentVariable: "HK"), environment: ["HK": "env"]) == "env")
        #expect(try AdminToken.resolve(APISettings(), environment: [:]) == nil)
        #expect(throws: AdminTokenError.self) {
            try AdminToken.resolve(APISettings(tokenEnvironmentVariable: "MISSING"), environment: [:])
        }
        #expect(throws: AdminTokenError.self) {
            try AdminToken.resolve(APISettings(tokenFile: "/nonexistent/token"), environment: [:])
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8089", true), ("127.1.2.3:1", true), ("localhost:80", true), ("[::1]:8089", true),
        ("0.0.0.0:8089", false), ("10.0.0.5:8089", false), ("[::]:8089", false), ("example.com:80", false),
        ("127.0.0.256:80", false),
    ])
    func loopbackAddressesAreRecognised(listen: String, loopback: Bool) throws {
        let address = try #require(ListenAddress(listen))
        #expect(address.isLoopback == loopback)
    }

    @Test func aClientReachesAWildcardAddressOnLoopback() throws {
        #expect(try AdminClient(listen: "0.0.0.0:9000", token: nil).baseURL.absoluteString == "http://127.0.0.1:9000")
        #expect(try AdminClient(listen: "[::1]:9000", token: nil).baseURL.absoluteString == "http://[::1]:9000")
    }
}
