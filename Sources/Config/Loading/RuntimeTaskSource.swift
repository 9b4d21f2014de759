/// A task added at runtime (through the API or `housekeeper task add`): its name and its definition as JSON, with
/// the same keys as a task in the configuration file. Validated together with the file, exactly like its tasks;
/// diagnostics name it `api/tasks/NAME` and point at the JSON member (`api/tasks/backup#/retry/attempts`).
public struct RuntimeTaskSource: Sendable, Hashable {
    /// The task's name (also the `name` member of `definition`).
    public var name: String
    /// The definition: a JSON object.
    public var definition: String

    /// Creates a source.
    public init(name: String, definition: String) {
        self.name = name
        self.definition = definition
    }

    /// How locations in a runtime task's definition are named: `api/tasks/NAME`.
    public static func documentName(for name: String) -> String { "api/tasks/\(name)" }

    /// Reads a task definition sent by a client: a JSON object (or, from the CLI, a YAML mapping) with a valid
    /// `name`. Only the shape is checked here; everything else is checked with the configuration (see
    /// `ConfigLoader.load(path:text:environment:runtimeTasks:)`).
    /// - Parameters:
    ///   - text: the definition.
    ///   - origin: what the text is called in syntax errors (`request body`, a file name).
    /// - Returns: the name and the definition rewritten as compact JSON.
    /// - Throws: `ConfigErrors` whose locations have JSON pointers (syntax errors: line and column in `text`).
    public static func parse(_ text: String, origin: String = "request body") throws(ConfigErrors) -> RuntimeTaskSource {
        var diagnostics = DiagnosticCollector(file: origin)
        var parser = YAMLParser(text: text)
        guard let parsed = parser.parse(into: &diagnostics), !diagnostics.hasErrors else {
            if !diagnostics.hasErrors {
                diagnostics.error(
                    "the task definition is empty; send a JSON object such as "
                        + "{\"name\": \"cleanup\", \"plugin\": \"files\", \"every\": \"15m\"}",
                    at: YAMLMark(line: 1, column: 1))
            }
            throw ConfigErrors(diagnostics: diagnostics.sorted)
        }
        let root = parsed.moved(toDocument: 1)
        var located = DiagnosticCollector(file: origin)
        _ = located.addDocument(named: origin, pointers: root.jsonPointers())
        guard let pairs = root.pairs else {
            located.error(
                "a task definition must be an object of task keys (name, plugin, schedule, ...), found "
                    + root.kindDescription, at: root.mark)
            throw ConfigErrors(diagnostics: located.sorted)
        }
        guard let namePair = pairs.first(where: { $0.keyText == "name" }) else {
            located.error(
                "the task definition has no \"name\"; add one, e.g. \"name\": \"cleanup\"", at: root.mark)
            throw ConfigErrors(diagnostics: located.sorted)
        }
        guard case .string(let name)? = namePair.value.scalar?.value, TaskNameRule.isValid(name) else {
            located.error(
                "invalid task name \(namePair.value.kindDescription) for \"name\"; \(TaskNameRule.help)",
                at: namePair.value.mark)
            throw ConfigErrors(diagnostics: located.sorted)
        }
        let writer = JSONWriter(context: KeyContext(key: "name", scope: "in task \"\(name)\""))
        guard let json = writer.json(for: root, diagnostics: &located) else {
            throw ConfigErrors(diagnostics: located.sorted)
        }
        return RuntimeTaskSource(name: name, definition: json)
    }

    /// Where each JSON pointer of a definition is in its text (the member's key; "" the whole definition), to show
    /// a daemon's answer about a file sent with `housekeeper task add` as `file:line:column`.
    public static func locations(in text: String, file: String) -> [String: SourceLocation] {
        var diagnostics = DiagnosticCollector(file: file)
        var parser = YAMLParser(text: text)
        guard let root = parser.parse(into: &diagnostics) else { return [:] }
        var locations: [String: SourceLocation] = [:]
        for (mark, pointer) in root.jsonPointers() {
            if let known = locations[pointer], (known.line, known.column) < (mark.line, mark.column) { continue }
            locations[pointer] = mark.location(in: file)
        }
        locations[""] = root.mark.location(in: file)
        return locations
    }

    /// The task as decoded, its marks in a document of its own; nil after recording why it cannot be read.
    func draft(diagnostics: inout DiagnosticCollector) -> TaskDraft? {
        let name = Self.documentName(for: self.name)
        var syntax = DiagnosticCollector(file: name)
        var parser = YAMLParser(text: definition)
        guard let parsed = parser.parse(into: &syntax), !syntax.hasErrors else {
            diagnostics.append(syntax.diagnostics)
            if !syntax.hasErrors {
                diagnostics.append([ConfigDiagnostic(
                    location: SourceLocation(file: name, line: 1, column: 1, pointer: ""),
                    message: "the stored definition of runtime task \"\(self.name)\" is empty; remove the task "
                        + "(housekeeper task remove \(self.name)) and add it again")])
            }
            return nil
        }
        let root = parsed.moved(toDocument: diagnostics.documentCount + 1)
        _ = diagnostics.addDocument(named: name, pointers: root.jsonPointers())
        let label = "task \"\(self.name)\""
        guard root.pairs != nil else {
            diagnostics.error("\(label) must be an object of task keys, found \(root.kindDescription)", at: root.mark)
            return nil
        }
        var draft = TaskDraft(mark: root.mark, label: label, pairs: root.pairs)
        draft.source = .api
        TaskDraft.schema.decode(root, scope: "in \(label)", into: &draft, diagnostics: &diagnostics)
        if let decoded = draft.name?.value, decoded != self.name {
            diagnostics.error(
                "the runtime task stored as \"\(self.name)\" is named \"\(decoded)\"; names cannot change (remove it "
                    + "and add it again)", at: draft.name!.mark)
            return nil
        }
        return draft
    }
}
