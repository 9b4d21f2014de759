import Telemetry

/// Minimal JSON text helpers for output the CLI writes by hand (stable key order, no Foundation encoder).
enum JSONText {
    /// `text` as a JSON string literal, escaped per RFC 8259 (the same escaping as the JSON log lines).
    static func quote(_ text: String) -> String { JSONLogHandler.quote(text) }
}
