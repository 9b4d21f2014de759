/// Typed accessors for the value shapes bundled plugins share: durations, sizes, string lists and maps.
extension PluginConfig {
    /// A duration in seconds, written as a number of seconds or a string such as `30d`, `1h30m`, `500ms`;
    /// `nil` when absent.
    /// - Throws: a `.config` error naming `key` when the value is neither.
    public func duration(_ key: String) throws(PluginError) -> Double? {
        guard let value = self[key] else { return nil }
        switch value {
        case .number(let seconds) where seconds >= 0 && seconds.isFinite:
            return seconds
        case .string(let text):
            guard let seconds = ConfigUnits.seconds(parsing: text) else {
                throw PluginError.config(key: key, "must be a duration such as 30s, 15m, 2h, 7d or 1h30m, not \"\(text)\"")
            }
            return seconds
        default:
            throw PluginError.config(key: key, "must be a duration such as 30s, 15m, 2h or 7d, not \(value.kindName)")
        }
    }

    /// A byte size, written as a number of bytes or a string such as `512MiB`, `10GB`; `nil` when absent.
    /// - Throws: a `.config` error naming `key` when the value is neither.
    public func byteSize(_ key: String) throws(PluginError) -> Int64? {
        guard let value = self[key] else { return nil }
        switch value {
        case .number(let bytes) where bytes >= 0 && bytes < 9.2e18:
            return Int64(bytes)
        case .string(let text):
            guard let bytes = ConfigUnits.bytes(parsing: text) else {
                throw PluginError.config(key: key, "must be a size such as 4096, 64KiB, 512MiB or 10GB, not \"\(text)\"")
            }
            return bytes
        default:
            throw PluginError.config(key: key, "must be a size such as 64KiB, 512MiB or 10GB, not \(value.kindName)")
        }
    }

    /// A list of strings; a single string counts as a list of one. `nil` when absent.
    /// - Throws: a `.config` error naming `key` (and the item's index) when an item is not a string.
    public func stringList(_ key: String) throws(PluginError) -> [String]? {
        guard let value = self[key] else { return nil }
        switch value {
        case .string(let string):
            return [string]
        case .array(let items):
            var strings: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let string) = item else {
                    throw PluginError.config(key: "\(key)[\(index)]", "must be a string, not \(item.kindName)")
                }
                strings.append(string)
            }
            return strings
        default:
            throw PluginError.config(key: key, "must be a string or a list of strings, not \(value.kindName)")
        }
    }

    /// A mapping of strings to strings (numbers and booleans are written out as text). `nil` when absent.
    /// - Throws: a `.config` error naming `key.member` when a member's value is a list, a mapping or null.
    public func stringMap(_ key: String) throws(PluginError) -> [String: String]? {
        guard let value = self[key] else { return nil }
        guard case .object(let members) = value else {
            throw PluginError.config(key: key, "must be a mapping of names to strings, not \(value.kindName)")
        }
        var strings: [String: String] = [:]
        for (name, member) in members {
            switch member {
            case .string(let string): strings[name] = string
            case .bool(let bool): strings[name] = bool ? "true" : "false"
            case .number: strings[name] = member.jsonText
            default:
                throw PluginError.config(key: "\(key).\(name)", "must be a string, not \(member.kindName)")
            }
        }
        return strings
    }

    /// A list of whole numbers; a single number counts as a list of one. `nil` when absent.
    /// - Throws: a `.config` error naming `key` when an item is not a whole number.
    public func intList(_ key: String) throws(PluginError) -> [Int]? {
        guard let value = self[key] else { return nil }
        let items: [JSONValue]
        if case .array(let array) = value { items = array } else { items = [value] }
        var numbers: [Int] = []
        for item in items {
            guard case .number(let number) = item, number == number.rounded(), abs(number) < 9e15 else {
                throw PluginError.config(key: key, "must be a whole number or a list of them, not \(item.jsonText)")
            }
            numbers.append(Int(number))
        }
        return numbers
    }
}
