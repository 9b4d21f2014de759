/// A position in a configuration file: 1-based line and column, as editors show them.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path as the user gave it (relative paths are kept relative for readable messages).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// For a task added through the API: the JSON pointer (RFC 6901) of the member the location is in
    /// (`/retry/attempts`; "" for the whole definition). Line and column then count in the definition's JSON text.
    public var pointer: String?
    /// Creates a location.
    public init(file: String, line: Int, column: Int, pointer: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.pointer = pointer
    }
    /// `file:line:column`, or `file#pointer` for a runtime task's definition.
    public var description: String {
        if let pointer { return "\(file)#\(pointer)" }
        return "\(file):\(line):\(column)"
    }
}
