/// Collects every problem found while loading one file, so validation never stops at the first.
struct DiagnosticCollector: Sendable {
    /// The file path as the user gave it, used in every location.
    let file: String
    /// What was found so far, in the order it was found.
    private(set) var diagnostics: [ConfigDiagnostic] = []

    /// Creates an empty collector for `file`.
    init(file: String) {
        self.file = file
    }

    /// True when at least one error (not a warning) was recorded.
    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    /// How many errors were recorded so far (to tell whether a step added any).
    var errorCount: Int { diagnostics.lazy.filter { $0.severity == .error }.count }

    /// Records an error at `mark`.
    mutating func error(_ message: String, at mark: YAMLMark) {
        diagnostics.append(ConfigDiagnostic(location: mark.location(in: file), severity: .error, message: message))
    }

    /// Records a warning at `mark`.
    mutating func warning(_ message: String, at mark: YAMLMark) {
        diagnostics.append(ConfigDiagnostic(location: mark.location(in: file), severity: .warning, message: message))
    }

    /// The diagnostics sorted by position; diagnostics at the same position keep the order they were found in.
    var sorted: [ConfigDiagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.location.line, lhs.element.location.column, lhs.offset)
            let right = (rhs.element.location.line, rhs.element.location.column, rhs.offset)
            return left < right
        }.map(\.element)
    }
}
