public import Logging
import Foundation
import History
import Synchronization

/// A swift-log handler that writes one JSON object per line (`log.format: json`).
///
/// Each line has `ts` (RFC 3339 UTC with microseconds), `level`, `label`, `message`, and the merged metadata as
/// top-level keys (`task.name`, `run.id`, `plugin.name`, ...). Keys are sorted so lines diff and grep well.
public struct JSONLogHandler: LogHandler {
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    let label: String
    let sink: LineSink

    /// Where lines go (`LogLineSink`).
    public typealias LineSink = LogLineSink

    /// Creates a handler for `label` writing to `sink`.
    public init(label: String, sink: LineSink = .standardError) {
        self.label = label
        self.sink = sink
    }

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var fields: [(String, String)] = [
            ("ts", Self.quote(Self.timestamp(Date()))),
            ("level", Self.quote(event.level.rawValue)),
            ("label", Self.quote(label)),
            ("message", Self.quote("\(event.message)")),
        ]
        let reserved: Set<String> = ["ts", "level", "label", "message"]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) where !reserved.contains(key) {
            fields.append((key, Self.json(value)))
        }
        sink.emit("{" + fields.map { "\(Self.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quote(text)
        case .stringConvertible(let convertible): quote(convertible.description)
        case .array(let items): "[" + items.map(json).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            "{" + dictionary.sorted { $0.key < $1.key }.map { "\(quote($0.key)):\(json($0.value))" }
                .joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string literal (RFC 8259 escapes); the CLI's hand-written JSON uses it too.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func timestamp(_ date: Date) -> String {
        UTCTimestamp.rfc3339(micros: Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down)))
    }
}
