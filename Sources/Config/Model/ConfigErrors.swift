/// Every error found in a configuration file (validation never stops at the first).
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The errors (and warnings), in file order.
    public var diagnostics: [ConfigDiagnostic]
    /// Creates the error.
    public init(diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }
    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
