extension ValueDecoder where Value == String {
    /// Text: a string, or a number written as text. Booleans and null are refused (quote them to mean text).
    static var string: ValueDecoder<String> {
        .typed("a string") { node, context, diagnostics in
            guard let scalar = node.scalar else { return .wrongType }
            switch scalar.value {
            case .string, .int, .float:
                return .value(scalar.text)
            case .bool, .null:
                diagnostics.error(
                    "wrong type for \(context.subject): expected a string, found \(node.kindDescription); "
                        + "quote it (\"\(scalar.text)\") if you mean the text", at: node.mark)
                return .invalid
            }
        }
    }

    /// Text that must not be empty.
    static var nonEmptyString: ValueDecoder<String> {
        string.validated { value, context in
            value.isEmpty ? "\(context.subject) must not be empty" : nil
        }
    }
}

extension ValueDecoder where Value == Bool {
    /// `true` or `false`.
    static var bool: ValueDecoder<Bool> {
        .typed("a boolean (true or false)") { node, _, _ in
            guard case .bool(let value) = node.scalar?.value else { return .wrongType }
            return .value(value)
        }
    }
}

extension ValueDecoder where Value == Int {
    /// A whole number no smaller than `minimum`.
    static func integer(minimum: Int) -> ValueDecoder<Int> {
        let integer = ValueDecoder<Int>.typed("an integer") { node, _, _ in
            guard case .int(let value) = node.scalar?.value else { return .wrongType }
            return .value(value)
        }
        return integer.validated { value, context in
            value < minimum ? "\(context.subject) must be at least \(minimum), found \(value)" : nil
        }
    }
}

extension ValueDecoder where Value == Duration {
    /// A duration: `30s`, `5m`, `1h30m`, `7d`, `250ms`, `1d12h`, or a plain number of seconds.
    /// - Parameter allowZero: whether `0` is accepted.
    static func duration(allowZero: Bool) -> ValueDecoder<Duration> {
        .typed("a duration such as 30s or 1h30m") { node, context, diagnostics in
            guard let scalar = node.scalar else { return .wrongType }
            guard let duration = DurationParser.parse(scalar.text) else {
                diagnostics.error(
                    "invalid duration \"\(scalar.text)\" for \(context.subject); \(DurationParser.formatHelp)",
                    at: node.mark)
                return .invalid
            }
            if !allowZero, duration == .zero {
                diagnostics.error("\(context.subject) must be longer than zero; write e.g. 30s", at: node.mark)
                return .invalid
            }
            return .value(duration)
        }
    }
}

extension ValueDecoder where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enumeration's raw values.
    /// - Parameter planned: values that will be accepted later, to say "not supported yet" for them.
    static func oneOf(planned: Set<String> = []) -> ValueDecoder<Value> {
        let valid = Value.allCases.map(\.rawValue)
        let list = valid.joined(separator: ", ")
        return .typed("one of: \(list)") { node, context, diagnostics in
            guard case .string(let text) = node.scalar?.value else { return .wrongType }
            if let value = Value(rawValue: text) { return .value(value) }
            var message = "invalid value \"\(text)\" for \(context.subject)"
            if planned.contains(text) {
                message += " (it is not supported yet)"
            } else if let suggestion = KeySuggester.suggestion(for: text, among: valid) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            diagnostics.error(message + "; valid values: \(list)", at: node.mark)
            return .invalid
        }
    }
}

extension ValueDecoder where Value == YAMLNode {
    /// A string scalar's node itself, for values decoded later (a schedule needs its task's name as seed).
    static var scalarNode: ValueDecoder<YAMLNode> {
        .typed("a string") { node, _, _ in
            guard case .string = node.scalar?.value else { return .wrongType }
            return .value(node)
        }
    }
}
