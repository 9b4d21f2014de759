/// Seconds since the Unix epoch, UTC. Cron works in whole seconds.
public typealias EpochSeconds = Int64

/// An error in a cron expression, naming the field, the token and its column.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field the error is in (`"minute"`, `"day-of-week"`), or nil for the whole expression.
    public var field: String?
    /// The offending token as written.
    public var token: String
    /// 0-based offset of the token in the expression text (in characters).
    public var column: Int
    /// What is wrong and what would be right, e.g. `invalid day-of-week "8" (expected 0-7 or SUN-SAT)`.
    public var message: String
    /// Creates an error.
    public init(field: String?, token: String, column: Int, message: String) {
        self.field = field
        self.token = token
        self.column = column
        self.message = message
    }
    /// The message alone (callers add positions and caret lines).
    public var description: String { message }

    /// The message, then the expression indented by two spaces, then a caret line under the token.
    ///
    /// ```
    /// invalid day-of-week "8" (expected 0-7 or SUN-SAT)
    ///   0 12 * * 8
    ///            ^
    /// ```
    /// - Parameter expression: the expression text the error was found in (its `column` counts characters of it).
    public func render(expression: String) -> String {
        let width = max(1, token.count)
        let pad = String(repeating: " ", count: max(0, min(column, expression.count)))
        return message + "\n  " + expression + "\n  " + pad + String(repeating: "^", count: width)
    }
}
