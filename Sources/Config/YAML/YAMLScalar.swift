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
    /// The source text from the scalar's first to last character when it spans one line, else nil.
    var raw: [Unicode.Scalar]?
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
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if let int = resolveInt(text) { return .int(int) }
        if isCoreFloat(text), let double = Double(text) { return .float(double) }
        return .string(text)
    }

    private static func resolveInt(_ text: String) -> Int? {
        if text.hasPrefix("0x"), text.count > 2 {
            return Int(text.dropFirst(2), radix: 16)
        }
        if text.hasPrefix("0o"), text.count > 2 {
            return Int(text.dropFirst(2), radix: 8)
        }
        var digits = Substring(text)
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text.first == "+" ? String(text.dropFirst()) : text)
    }

    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    private static func isCoreFloat(_ text: String) -> Bool {
        var chars = Substring(text)
        if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
        let intDigits = chars.prefix { $0.isASCII && $0.isNumber }
        chars = chars.dropFirst(intDigits.count)
        var fractionDigits = 0
        if chars.first == "." {
            chars = chars.dropFirst()
            let digits = chars.prefix { $0.isASCII && $0.isNumber }
            fractionDigits = digits.count
            chars = chars.dropFirst(digits.count)
        }
        guard intDigits.count + fractionDigits > 0 else { return false }
        if chars.first == "e" || chars.first == "E" {
            chars = chars.dropFirst()
            if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
            let digits = chars.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return false }
            chars = chars.dropFirst(digits.count)
        }
        return chars.isEmpty
    }
}
