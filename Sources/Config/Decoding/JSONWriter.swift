/// Writes a YAML node as compact JSON: keys in file order, YAML ints, floats, booleans and nulls as JSON
/// numbers, booleans and null, and strings escaped per RFC 8259.
struct JSONWriter {
    /// Where the node sits, for messages.
    let context: KeyContext

    /// The JSON text for `node`, or nil after recording every value that JSON cannot represent.
    func json(for node: YAMLNode, diagnostics: inout DiagnosticCollector) -> String? {
        var output = ""
        let errorsBefore = diagnostics.diagnostics.count
        write(node, to: &output, diagnostics: &diagnostics)
        return diagnostics.diagnostics.count == errorsBefore ? output : nil
    }

    private func write(_ node: YAMLNode, to output: inout String, diagnostics: inout DiagnosticCollector) {
        switch node.content {
        case .mapping(let pairs):
            output += "{"
            for (index, pair) in pairs.enumerated() {
                if index > 0 { output += "," }
                guard let key = pair.key.scalar else {
                    diagnostics.error(
                        "a key in \(context.subject) is \(pair.key.kindDescription); JSON keys must be text",
                        at: pair.key.mark)
                    continue
                }
                output += Self.quoted(key.text) + ":"
                write(pair.value, to: &output, diagnostics: &diagnostics)
            }
            output += "}"
        case .sequence(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, to: &output, diagnostics: &diagnostics)
            }
            output += "]"
        case .scalar(let scalar):
            switch scalar.value {
            case .null: output += "null"
            case .bool(let value): output += value ? "true" : "false"
            case .int(let value): output += String(value)
            case .string(let text): output += Self.quoted(text)
            case .float(let value):
                guard value.isFinite else {
                    diagnostics.error(
                        "\(scalar.text) in \(context.subject) has no JSON form; quote it to pass it as text",
                        at: node.mark)
                    return
                }
                // Swift prints the shortest round-tripping form ("1.5", "1e-05", "1e+20"): all valid JSON.
                output += "\(value)"
            }
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for char in text.unicodeScalars {
            switch char {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case _ where char.value < 0x20:
                let hex = String(char.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                result.unicodeScalars.append(char)
            }
        }
        return result + "\""
    }
}
