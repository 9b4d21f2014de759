/// Collects every problem found while loading one file, so validation never stops at the first.
struct DiagnosticCollector: Sendable {
    /// The file path as the user gave it, used in every location.
    let file: String
    /// What was found so far, in the order it was found.
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Further documents of the same load (runtime tasks), by `YAMLMark.document` - 1: their name in locations
    /// and the JSON pointer of each of their nodes.
    private var documents: [(name: String, pointers: [YAMLMark: String])] = []

    /// Creates an empty collector for `file`.
    init(file: String) {
        self.file = file
    }

    /// How many further documents are registered.
    var documentCount: Int { documents.count }

    /// Registers a further document (its marks must carry the returned number).
    mutating func addDocument(named name: String, pointers: [YAMLMark: String]) -> Int {
        documents.append((name, pointers))
        return documents.count
    }

    /// Adds diagnostics found by another collector (a runtime task's syntax errors).
    mutating func append(_ found: [ConfigDiagnostic]) {
        diagnostics += found
    }

    /// Where `mark` is: in the file, or in a runtime task's definition (with its JSON pointer).
    func location(of mark: YAMLMark) -> SourceLocation {
        guard mark.document > 0, mark.document <= documents.count else { return mark.location(in: file) }
        let document = documents[mark.document - 1]
        return SourceLocation(
            file: document.name, line: mark.line, column: mark.column, pointer: document.pointers[mark] ?? "")
    }

    /// True when at least one error (not a warning) was recorded.
    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    /// How many errors were recorded so far (to tell whether a step added any).
    var errorCount: Int { diagnostics.lazy.filter { $0.severity == .error }.count }

    /// Records an error at `mark`.
    mutating func error(_ message: String, at mark: YAMLMark) {
        diagnostics.append(ConfigDiagnostic(location: location(of: mark), severity: .error, message: message))
    }

    /// Records a warning at `mark`.
    mutating func warning(_ message: String, at mark: YAMLMark) {
        diagnostics.append(ConfigDiagnostic(location: location(of: mark), severity: .warning, message: message))
    }

    /// The diagnostics sorted by position; diagnostics at the same position keep the order they were found in.
    var sorted: [ConfigDiagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            // The file first, then each runtime task's definition.
            let left = (lhs.element.location.file == file ? 0 : 1, lhs.element.location.file)
            let right = (rhs.element.location.file == file ? 0 : 1, rhs.element.location.file)
            if left != right { return left < right }
            return (lhs.element.location.line, lhs.element.location.column, lhs.offset)
                < (rhs.element.location.line, rhs.element.location.column, rhs.offset)
        }.map(\.element)
    }
}
