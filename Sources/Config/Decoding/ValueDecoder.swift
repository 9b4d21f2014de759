/// Where a value sits, for messages: the key and the phrase naming its mapping.
struct KeyContext: Sendable {
    /// The key as written, e.g. `timeout`.
    var key: String
    /// Where the mapping is, with its preposition: `at the top level`, `in task "backup"`.
    var scope: String

    /// `"timeout" in task "backup"`.
    var subject: String { "\"\(key)\" \(scope)" }
}

/// Turns one YAML node into a typed value, recording a diagnostic (and returning nil) when it cannot.
///
/// Decoders are small values so that a mapping's key table can say declaratively how each key is read;
/// adding a key to the configuration is one line in a table that names a decoder.
struct ValueDecoder<Value> {
    /// What the decoder expects, for "wrong type" messages: `a string`, `a duration such as 30s`.
    let expected: String
    /// Decodes `node`; on failure records a diagnostic and returns nil.
    let decode: (YAMLNode, KeyContext, inout DiagnosticCollector) -> Value?

    /// Creates a decoder.
    init(expected: String, decode: @escaping (YAMLNode, KeyContext, inout DiagnosticCollector) -> Value?) {
        self.expected = expected
        self.decode = decode
    }

    /// What a decoding step found.
    enum Outcome {
        /// The decoded value.
        case value(Value)
        /// The node has the wrong type: the decoder reports "expected ..., found ...".
        case wrongType
        /// The value is invalid and the step already recorded why.
        case invalid
    }

    /// A decoder whose body only says what it found; "wrong type" errors are worded in one place.
    /// - Parameter expected: what the value must be, e.g. `a boolean (true or false)`.
    static func typed(
        _ expected: String,
        _ body: @escaping (YAMLNode, KeyContext, inout DiagnosticCollector) -> Outcome
    ) -> ValueDecoder<Value> {
        ValueDecoder(expected: expected) { node, context, diagnostics in
            switch body(node, context, &diagnostics) {
            case .value(let value):
                return value
            case .wrongType:
                diagnostics.error(
                    "wrong type for \(context.subject): expected \(expected), found \(node.kindDescription)",
                    at: node.mark)
                return nil
            case .invalid:
                return nil
            }
        }
    }

    /// A decoder that also checks the decoded value; `check` returns an error message or nil.
    func validated(_ check: @escaping (Value, KeyContext) -> String?) -> ValueDecoder<Value> {
        ValueDecoder(expected: expected) { node, context, diagnostics in
            guard let value = decode(node, context, &diagnostics) else { return nil }
            if let message = check(value, context) {
                diagnostics.error(message, at: node.mark)
                return nil
            }
            return value
        }
    }

    /// A decoder that keeps where the value was written.
    var located: ValueDecoder<Located<Value>> {
        ValueDecoder<Located<Value>>(expected: expected) { node, context, diagnostics in
            decode(node, context, &diagnostics).map { Located(value: $0, mark: node.mark) }
        }
    }
}

/// A decoded value with where it was written.
struct Located<Value> {
    /// The value.
    var value: Value
    /// Where it was written. (Only the mark: the node it came from is not kept, a load holds one of these per
    /// value decoded.)
    var mark: YAMLMark
}

extension Located: Sendable where Value: Sendable {}
