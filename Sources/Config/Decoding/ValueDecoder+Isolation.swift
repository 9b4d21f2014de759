/// Decoders for the worker-process settings: memory sizes, environment maps and per-plugin isolation modes.
extension ValueDecoder where Value == UInt64 {
    /// A memory size such as `512MiB` or `2GiB`, at least `minimum` bytes.
    static func byteSize(minimum: UInt64) -> ValueDecoder<UInt64> {
        .typed("a size such as 512MiB") { node, context, diagnostics in
            guard let scalar = node.scalar else { return .wrongType }
            switch scalar.value {
            case .null, .bool: return .wrongType
            case .int, .float, .string: break
            }
            guard let bytes = ByteSizeParser.parse(scalar.text) else {
                diagnostics.error(
                    "invalid size \"\(scalar.text)\" for \(context.subject); \(ByteSizeParser.formatHelp)",
                    at: node.mark)
                return .invalid
            }
            guard bytes >= minimum else {
                diagnostics.error(
                    "\(context.subject) must be at least \(minimum >> 20)MiB, found \(scalar.text)", at: node.mark)
                return .invalid
            }
            return .value(bytes)
        }
    }
}

extension ValueDecoder where Value == [String: String] {
    /// `env:`: a mapping of environment variable names (`[A-Za-z_][A-Za-z0-9_]*`) to text values.
    static var environment: ValueDecoder<[String: String]> {
        .typed("a mapping of variable names to values, e.g. {LANG: C.UTF-8}") { node, context, diagnostics in
            guard let pairs = node.pairs else { return .wrongType }
            let before = diagnostics.errorCount
            var values: [String: String] = [:]
            for pair in pairs {
                guard let name = pair.keyText, EnvironmentName.isValid(name) else {
                    diagnostics.error(
                        "invalid environment variable name \(pair.key.scalar.map { "\"\($0.text)\"" } ?? "") in "
                            + "\(context.subject); use letters, digits and _ (not first), e.g. LANG",
                        at: pair.key.mark)
                    continue
                }
                let valueContext = KeyContext(key: name, scope: "in \(context.subject)")
                if let value = ValueDecoder<String>.string.decode(pair.value, valueContext, &diagnostics) {
                    values[name] = value
                }
            }
            return diagnostics.errorCount == before ? .value(values) : .invalid
        }
    }
}

/// The rule for environment variable names in `env:`.
enum EnvironmentName {
    /// Whether `name` is a portable variable name: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isValid(_ name: String) -> Bool {
        func isLetter(_ c: Unicode.Scalar) -> Bool { ("A"..."Z").contains(c) || ("a"..."z").contains(c) || c == "_" }
        guard let first = name.unicodeScalars.first, isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }
}

/// One entry of `plugins.isolation`: a plugin name and its mode.
struct PluginIsolationDraft {
    /// The plugin's name (the key).
    var name: Located<String>
    /// Its mode.
    var mode: IsolationMode
}

extension ValueDecoder where Value == [PluginIsolationDraft] {
    /// `plugins.isolation`: a mapping of plugin names to `in-process` or `process`.
    static var pluginIsolation: ValueDecoder<[PluginIsolationDraft]> {
        .typed("a mapping of plugin names to in-process or process") { node, context, diagnostics in
            guard let pairs = node.pairs else { return .wrongType }
            let before = diagnostics.errorCount
            var modes: [PluginIsolationDraft] = []
            for pair in pairs {
                guard let name = pair.keyText, !name.isEmpty else {
                    diagnostics.error("a plugin name in \(context.subject) must be text", at: pair.key.mark)
                    continue
                }
                let valueContext = KeyContext(key: name, scope: "in \(context.subject)")
                if let mode = ValueDecoder<IsolationMode>.oneOf().decode(pair.value, valueContext, &diagnostics) {
                    modes.append(PluginIsolationDraft(name: Located(value: name, mark: pair.key.mark),
                                                      mode: mode))
                }
            }
            return diagnostics.errorCount == before ? .value(modes) : .invalid
        }
    }
}
