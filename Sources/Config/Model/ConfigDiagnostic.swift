/// One problem found in a configuration file.
public struct ConfigDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// How bad it is.
    public enum Severity: String, Sendable, Hashable { case error, warning }
    /// Where it is.
    public var location: SourceLocation
    /// Error or warning.
    public var severity: Severity
    /// What is wrong and what to do, e.g. `unknown key "schedul" in task "backup"; did you mean "schedule"?`.
    public var message: String
    /// Creates a diagnostic.
    public init(location: SourceLocation, severity: Severity = .error, message: String) {
        self.location = location
        self.severity = severity
        self.message = message
    }
    /// `file:line:column: error: message`.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}
