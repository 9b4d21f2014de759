/// The `${name}` placeholders a plugin expands in its texts (request bodies, URLs, command arguments) from the
/// run it is doing, so one alert task can describe whichever run triggered it.
///
/// Names: `task`, `run_id`, `status`, `error` describe the run whose end triggered this one (an `on_failure` or
/// `on_success` hook, an `after:` dependency), or this run when nothing triggered it; `this_task`,
/// `this_run_id`, `scheduled_at`, `started_at` (RFC 3339, UTC), `attempt` and `trigger` always describe this run.
/// `$${` writes a literal `${`. In YAML, write `$${task}`, because the loader expands `${...}` from the
/// environment and turns `$${` into `${`.
public struct RunPlaceholders: Sendable, Hashable {
    /// Every placeholder name a template may use.
    public static let names: Set<String> = [
        "task", "run_id", "status", "error", "this_task", "this_run_id", "scheduled_at", "started_at", "attempt",
        "trigger",
    ]

    /// The value of each name.
    public let values: [String: String]

    /// Creates placeholders from explicit values (tests, other sources).
    /// - Parameter values: a value per name; missing names expand to "".
    public init(values: [String: String]) {
        self.values = values
    }

    /// The placeholders of a run: its own identity, and the triggering run's from `contextJSON["cause"]`.
    /// - Parameter context: the run.
    public init(_ context: RunContext) {
        var values: [String: String] = [
            "this_task": context.taskName, "this_run_id": context.runID,
            "task": context.taskName, "run_id": context.runID, "status": "", "error": "",
            "scheduled_at": Timestamp.rfc3339(microseconds: context.scheduledAtMicroseconds),
            "started_at": Timestamp.rfc3339(microseconds: context.startedAtMicroseconds),
            "attempt": String(context.attempt), "trigger": context.triggerName,
        ]
        if case .object(let root)? = try? JSONValue(parsing: context.contextJSON),
           case .object(let cause)? = root["cause"] {
            for (name, key) in [("task", "task"), ("run_id", "run_id"), ("status", "status"), ("error", "error")] {
                switch cause[key] {
                case .string(let text)?: values[name] = text
                case .number?: values[name] = cause[key]!.jsonText
                default: break
                }
            }
        }
        self.values = values
    }

    /// Checks a template at `create` time: every `${...}` names a known placeholder and is closed.
    /// - Parameters:
    ///   - template: the text.
    ///   - key: the config key it came from, for the message.
    /// - Throws: a `.config` error naming `key`.
    public static func validate(_ template: String, key: String) throws(PluginError) {
        _ = try RunPlaceholders(values: [:]).expand(template, key: key)
    }

    /// Expands `${name}` in `template`; `$${` writes a literal `${`.
    /// - Parameters:
    ///   - template: the text.
    ///   - key: the config key it came from, for messages.
    ///   - escape: applied to each substituted value (JSON string escaping, percent-encoding).
    /// - Throws: a `.config` error naming `key` for an unknown name or an unclosed `${`.
    public func expand(_ template: String, key: String,
                       escape: (String) -> String = { $0 }) throws(PluginError) -> String {
        guard template.contains("$") else { return template }
        let chars = Array(template.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < chars.count {
            let rest = chars[index...]
            if rest.starts(with: ["$", "$", "{"]) {
                output.append(contentsOf: ["$", "{"])
                index += 3
            } else if rest.starts(with: ["$", "{"]) {
                guard let close = rest.firstIndex(of: "}") else {
                    throw PluginError.config(key: key, "unclosed ${ (write $${ for a literal ${)")
                }
                let name = String(String.UnicodeScalarView(chars[(index + 2)..<close]))
                guard Self.names.contains(name) else {
                    throw PluginError.config(
                        key: key, "unknown placeholder ${\(name)} (known: \(Self.names.sorted().joined(separator: ", ")))")
                }
                output.append(contentsOf: escape(values[name] ?? "").unicodeScalars)
                index = close + 1
            } else {
                output.append(chars[index])
                index += 1
            }
        }
        return String(output)
    }
}
