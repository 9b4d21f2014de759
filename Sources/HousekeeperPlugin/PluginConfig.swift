/// Typed access to a task's `config:` block, with errors that name the key.
///
/// ```swift
/// try config.allowOnly(["file", "message"])
/// let file = try config.requiredString("file")
/// let message = try config.string("message") ?? ""
/// ```
public struct PluginConfig: Sendable, Hashable {
    /// The top-level members of the config object.
    public let values: [String: JSONValue]

    /// Creates a config from members.
    /// - Parameter values: the config object's members.
    public init(values: [String: JSONValue]) {
        self.values = values
    }

    /// Parses the config JSON the host passes to `create`.
    /// - Parameter json: a JSON object; empty text counts as `{}`.
    /// - Throws: a `.config` error when the text is not a JSON object.
    public init(json: String) throws(PluginError) {
        if json.allSatisfy(\.isWhitespace) {
            self.init(values: [:])
            return
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: json)
        } catch {
            throw PluginError(.config, "config: \(error)")
        }
        guard case .object(let members) = value else {
            throw PluginError(.config, "config: must be a mapping, not \(value.kindName)")
        }
        self.init(values: members)
    }

    /// The keys present, sorted.
    public var keys: [String] { values.keys.sorted() }

    /// Refuses keys outside `known`, naming the first unknown one (typos are caught at `create`).
    /// - Parameter known: every key the task understands.
    /// - Throws: a `.config` error `key: unknown key (known: a, b)`.
    public func allowOnly(_ known: Set<String>) throws(PluginError) {
        if let unknown = keys.first(where: { !known.contains($0) }) {
            throw PluginError.config(key: unknown, "unknown key (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// The raw value of `key`, or `nil` when absent (a JSON `null` counts as absent).
    public subscript(key: String) -> JSONValue? {
        guard let value = values[key], value != .null else { return nil }
        return value
    }

    /// A string value, or `nil` when absent.
    /// - Throws: a `.config` error naming `key` when the value is not a string.
    public func string(_ key: String) throws(PluginError) -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let string) = value else { throw mismatch(key, "a string", value) }
        return string
    }

    /// A string value that must be present.
    /// - Throws: a `.config` error naming `key` when it is absent or not a string.
    public func requiredString(_ key: String) throws(PluginError) -> String {
        guard let string = try string(key) else { throw PluginError.config(key: key, "required key is missing") }
        return string
    }

    /// A boolean value, or `nil` when absent.
    /// - Throws: a `.config` error naming `key` when the value is not `true` or `false`.
    public func bool(_ key: String) throws(PluginError) -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let bool) = value else { throw mismatch(key, "true or false", value) }
        return bool
    }

    /// A number, or `nil` when absent.
    /// - Throws: a `.config` error naming `key` when the value is not a number.
    public func double(_ key: String) throws(PluginError) -> Double? {
        guard let value = self[key] else { return nil }
        guard case .number(let number) = value else { throw mismatch(key, "a number", value) }
        return number
    }

    /// A whole number, or `nil` when absent.
    /// - Throws: a `.config` error naming `key` when the value is not an integer.
    public func int(_ key: String) throws(PluginError) -> Int? {
        guard let number = try double(key) else { return nil }
        guard number == number.rounded(), abs(number) < 9e15 else {
            throw PluginError.config(key: key, "must be a whole number, not \(number)")
        }
        return Int(number)
    }

    /// One of `choices`, or `nil` when absent.
    /// - Throws: a `.config` error naming `key` and the choices when the value is another string or no string.
    public func choice(_ key: String, of choices: [String]) throws(PluginError) -> String? {
        guard let string = try string(key) else { return nil }
        guard choices.contains(string) else {
            throw PluginError.config(key: key, "must be one of \(choices.joined(separator: ", ")), not \"\(string)\"")
        }
        return string
    }

    private func mismatch(_ key: String, _ expected: String, _ actual: JSONValue) -> PluginError {
        PluginError.config(key: key, "must be \(expected), not \(actual.kindName)")
    }
}
