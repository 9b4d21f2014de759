/// The key table of one kind of mapping: which keys it accepts, how each is decoded and where it is stored.
///
/// Decoding checks the whole mapping: unknown keys (with a "did you mean"), keys that are not text, wrong
/// value types and missing required keys are all recorded, and every valid key is still stored, so one pass
/// reports every problem. Adding a configuration key is one `Key` line in a table.
struct MappingSchema<Target> {
    /// One accepted key.
    struct Key {
        /// The key as written in YAML.
        let name: String
        /// Whether the mapping must set it.
        let isRequired: Bool
        /// An example line for the "missing key" message, e.g. `schedule: "0 3 * * *"`.
        let example: String?
        /// Decodes the value and stores it in the target.
        let apply: (YAMLNode, KeyContext, inout Target, inout DiagnosticCollector) -> Void
    }

    /// The accepted keys, in the order they are documented.
    let keys: [Key]
    /// Groups of keys of which a mapping may set at most one (e.g. three ways to give one token).
    let exclusiveGroups: [[String]]
    /// Each key's position in `keys`, by name.
    private let positions: [String: Int]
    /// Each exclusive group as a mask of key positions.
    private let groupMasks: [UInt64]

    /// Creates a schema from its keys (at most 64: a mapping's keys are tracked as bits of one word, so decoding
    /// a mapping allocates nothing for them).
    /// - Parameter exclusiveGroups: groups of keys of which at most one may be set.
    init(_ keys: [Key], exclusiveGroups: [[String]] = []) {
        precondition(keys.count <= 64, "a mapping schema has at most 64 keys")
        self.keys = keys
        self.exclusiveGroups = exclusiveGroups
        let positions = Dictionary(keys.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.positions = positions
        self.groupMasks = exclusiveGroups.map { group in
            group.reduce(UInt64(0)) { mask, name in mask | (positions[name].map { 1 << UInt64($0) } ?? 0) }
        }
    }

    /// Decodes `node` into `target`.
    /// - Parameters:
    ///   - scope: where the mapping is, with its preposition (`in task "backup"`), for messages.
    func decode(_ node: YAMLNode, scope: String, into target: inout Target, diagnostics: inout DiagnosticCollector) {
        guard let pairs = node.pairs else {
            diagnostics.error("expected a mapping of keys \(scope), found \(node.kindDescription)", at: node.mark)
            return
        }
        var present: UInt64 = 0
        for pair in pairs {
            guard let name = pair.keyText else {
                diagnostics.error(
                    "a key \(scope) is \(pair.key.kindDescription); keys must be plain text", at: pair.key.mark)
                continue
            }
            guard let position = positions[name] else {
                diagnostics.error(unknownKeyMessage(name, scope: scope), at: pair.key.mark)
                continue
            }
            present |= 1 << UInt64(position)
            // Its expansion error is already reported; decoding the unexpanded text would only add noise.
            if pair.value.scalar?.expansionFailed == true { continue }
            keys[position].apply(pair.value, KeyContext(key: name, scope: scope), &target, &diagnostics)
        }
        for (group, mask) in zip(exclusiveGroups, groupMasks) where (present & mask).nonzeroBitCount > 1 {
            // Keys are unique in a mapping (the parser reports duplicates), so each set one has one pair.
            let set = pairs.compactMap { pair in
                pair.keyText.flatMap { name in group.contains(name) ? (name: name, mark: pair.key.mark) : nil }
            }.sorted { $0.mark < $1.mark }
            guard let first = set.first else { continue }
            let choices = group.map { "\"\($0)\"" }.joined(separator: ", ")
            for extra in set.dropFirst() {
                diagnostics.error(
                    "\"\(extra.name)\" \(scope) conflicts with \"\(first.name)\" on line \(first.mark.line); "
                        + "set only one of \(choices)", at: extra.mark)
            }
        }
        for (position, key) in keys.enumerated() where key.isRequired && present & (1 << UInt64(position)) == 0 {
            var message = "missing required key \"\(key.name)\" \(scope)"
            if let example = key.example { message += "; add it, e.g. \(example)" }
            diagnostics.error(message, at: node.mark)
        }
    }

    private func unknownKeyMessage(_ name: String, scope: String) -> String {
        let names = keys.map(\.name)
        if let suggestion = KeySuggester.suggestion(for: name, among: names) {
            return "unknown key \"\(name)\" \(scope); did you mean \"\(suggestion)\"?"
        }
        return "unknown key \"\(name)\" \(scope); valid keys: \(names.joined(separator: ", "))"
    }
}

extension MappingSchema.Key {
    /// A key with a default value: when absent or null, the target keeps its default.
    static func field<Value>(
        _ name: String, _ path: WritableKeyPath<Target, Value>, _ decoder: ValueDecoder<Value>
    ) -> Self {
        Self(name: name, isRequired: false, example: nil) { node, context, target, diagnostics in
            guard !node.isNull, let value = decoder.decode(node, context, &diagnostics) else { return }
            target[keyPath: path] = value
        }
    }

    /// An optional key: nil when absent or null.
    static func optional<Value>(
        _ name: String, _ path: WritableKeyPath<Target, Value?>, _ decoder: ValueDecoder<Value>
    ) -> Self {
        Self(name: name, isRequired: false, example: nil) { node, context, target, diagnostics in
            guard !node.isNull else { return }
            target[keyPath: path] = decoder.decode(node, context, &diagnostics)
        }
    }

    /// A key the mapping must set (to a non-null value); stored as an optional that stays nil on error.
    /// - Parameter example: an example line for the "missing key" message.
    static func required<Value>(
        _ name: String, _ path: WritableKeyPath<Target, Value?>, _ decoder: ValueDecoder<Value>, example: String
    ) -> Self {
        Self(name: name, isRequired: true, example: example) { node, context, target, diagnostics in
            guard !node.isNull else {
                diagnostics.error("\(context.subject) must have a value; write e.g. \(example)", at: node.mark)
                return
            }
            target[keyPath: path] = decoder.decode(node, context, &diagnostics)
        }
    }

    /// A nested mapping with its own key table, decoded into the target's value at `path`.
    static func section<Section>(
        _ name: String, _ path: WritableKeyPath<Target, Section>, _ schema: MappingSchema<Section>
    ) -> Self {
        Self(name: name, isRequired: false, example: nil) { node, _, target, diagnostics in
            guard !node.isNull else { return }
            let scope = "in section \"\(name)\""
            schema.decode(node, scope: scope, into: &target[keyPath: path], diagnostics: &diagnostics)
        }
    }
}
