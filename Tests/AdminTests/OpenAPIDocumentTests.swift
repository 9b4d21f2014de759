import Admin
import Foundation
import Testing

/// `docs/openapi.yaml` documents exactly the endpoints the server routes.
struct OpenAPIDocumentTests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    /// `METHOD /path` for every operation under `paths:` (paths indented two spaces, methods four).
    static func documentedOperations() throws -> Set<String> {
        let text = try String(contentsOf: document, encoding: .utf8)
        var operations: Set<String> = []
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") { inPaths = line == "paths:"; path = nil; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).split(separator: ":").first.map(String.init) ?? ""
                if ["get", "post", "put", "delete", "patch"].contains(key) {
                    operations.insert("\(key.uppercased()) \(path)")
                }
            }
        }
        return operations
    }

    @Test func theDocumentListsEveryRoutedEndpointAndNoOther() throws {
        let routed = Set(AdminRoutes.all.map { "\($0.method) \($0.path)" })
        let documented = try Self.documentedOperations()
        #expect(routed.count == AdminRoutes.all.count, "no endpoint is routed twice")
        #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented).sorted())")
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
    }

    @Test func everyEndpointTheIssueListsIsRouted() {
        let required = [
            "GET /tasks", "GET /tasks/{name}", "POST /tasks/{name}/run", "POST /tasks/{name}/pause",
            "POST /tasks/{name}/resume", "GET /runs", "GET /runs/{id}", "POST /runs/{id}/retry",
            "POST /runs/{id}/cancel", "POST /reload", "GET /plugins", "GET /health", "GET /ready", "GET /metrics",
        ]
        let routed = Set(AdminRoutes.all.map { "\($0.method) \($0.path)" })
        #expect(Set(required).subtracting(routed).isEmpty)
    }
}
