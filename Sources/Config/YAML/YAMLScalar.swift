/// A scalar as written, with its style, so it can be typed the YAML 1.2 core-schema way.
struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written.
    enum Style: Sendable, Hashable {
        /// Unquoted: typed by the core schema.
        case plain
        /// `'...'` or `"..."`: always a string.
        case singleQuoted, doubleQuoted
        /// `|` or `>` block scalars: always a string.
        case literal, folded
    }

    /// The scalar's text after unescaping (and after `${VAR}` expansion, once applied).
    var text: String
    /// How it was written.
    var style: Style
    /// The explicit tag, or nil when implicit.
    var tag: String?
    /// The source text from the scalar's first to last character when it spans one line, else nil. (A `String`:
    /// short ones, most keys and values, are stored inline without an allocation; a 100,000-task load has 600,000.)
    var raw: String?
    /// True once `${VAR}` expansion changed the text (offsets no longer map onto `raw`).
    var wasExpanded = false
    /// True when `${VAR}` expansion failed (and was reported): decoders skip the value, so one mistake
    /// gives one error.
    var expansionFailed = false

    /// The typed value: plain untagged scalars resolve by the core schema; quoted and block scalars are strings.
    var value: YAMLValue {
        switch tag {
        case YAMLScalar.stringTag: return .string(text)
        case nil, "!": break
        default: return YAMLValue.resolve(plain: text)
        }
        guard style == .plain, tag == nil else { return .string(text) }
        return YAMLValue.resolve(plain: text)
    }

    /// The core schema's string tag (`!!str`).
    static let stringTag = "tag:yaml.org,2002:str"
}

/// A scalar's value typed by the YAML 1.2 core schema.
enum YAMLValue: Sendable, Hashable {
    /// `~`, `null` or nothing.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A whole number that fits in `Int`.
    case int(Int)
    /// A floating-point number, including `.inf` and `.nan`.
    case float(Double)
    /// Anything else.
    case string(String)

    /// Resolves plain-scalar text: `null`/`~`/empty, `true`/`false`, decimal/`0o`/`0x` integers, floats,
    /// `.inf`, `.nan`; everything else is a string.
    static func resolve(plain text: String) -> YAMLValue {
        var contiguous = text
        // Bytes, not Characters: every plain scalar of a load is resolved (600,000 for 100,000 tasks), and walking
        // Characters was a tenth of the load in a profile. The grammar below is ASCII only.
        return contiguous.withUTF8 { bytes in
            // The words of the core schema are at most 6 bytes long.
            if bytes.count <= 6 {
                switch text {
                case "", "~", "null", "Null", "NULL": return .null
                case "true", "True", "TRUE": return .bool(true)
                case "false", "False", "FALSE": return .bool(false)
                case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
                case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
                case ".nan", ".NaN", ".NAN": return .float(.nan)
                default: break
                }
            }
            if let int = resolveInt(bytes, text) { return .int(int) }
            if isCoreFloat(bytes), let double = Double(text) { return .float(double) }
            return .string(text)
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func resolveInt(_ bytes: UnsafeBufferPointer<UInt8>, _ text: String) -> Int? {
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            if bytes[1] == UInt8(ascii: "x") { return Int(text.dropFirst(2), radix: 16) }
            if bytes[1] == UInt8(ascii: "o") { return Int(text.dropFirst(2), radix: 8) }
        }
        var index = 0
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { index = 1 }
        guard index < bytes.count, bytes[index...].allSatisfy(isDigit) else { return nil }
        return Int(bytes.first == UInt8(ascii: "+") ? String(text.dropFirst()) : text)
    }

    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    private static func isCoreFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func skipDigits() -> Int {
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") { index += 1 }
        let intDigits = skipDigits()
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = skipDigits()
        }
        guard intDigits + fractionDigits > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            guard skipDigits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
