/// A position in a configuration file: 1-based line and column, as editors show them.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path as the user gave it (relative paths are kept relative for readable messages).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}
