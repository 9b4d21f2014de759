import Foundation

/// Loads configuration files: reads, parses (libyaml), expands `${VAR}`, decodes and validates them.
public enum ConfigLoader {
    /// Reads, expands, parses and validates `path`.
    ///
    /// Relative paths in the file resolve against the file's folder; diagnostics name the file as `path`
    /// was given.
    /// - Parameter environment: variables for `${VAR}` expansion.
    /// - Throws: `ConfigErrors` with every error found, sorted by position.
    public static func load(path: String, environment: [String: String]) throws(ConfigErrors) -> HousekeeperConfig {
        try load(path: path, text: try readText(path: path), environment: environment)
    }

    /// Parses and validates `text` as the contents of the file at `path`, with runtime tasks added through the API
    /// (validated exactly like the file's tasks; a name in both is an error naming both places).
    /// - Throws: `ConfigErrors` with every error found: the file's first, then each runtime task's.
    public static func load(
        path: String, text: String, environment: [String: String], runtimeTasks: [RuntimeTaskSource] = []
    ) throws(ConfigErrors) -> HousekeeperConfig {
        let absolute = PathResolver.absolute(path, base: FileManager.default.currentDirectoryPath)
        return try parse(
            text: text, file: path, absoluteFile: absolute, baseDirectory: PathResolver.folder(of: absolute),
            environment: environment, runtimeTasks: runtimeTasks)
    }

    /// Reads the configuration file as UTF-8 text.
    /// - Throws: `ConfigErrors` when it cannot be read or is not UTF-8.
    public static func readText(path: String) throws(ConfigErrors) -> String {
        let absolute = PathResolver.absolute(path, base: FileManager.default.currentDirectoryPath)
        let start = SourceLocation(file: path, line: 1, column: 1)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: absolute))
        } catch {
            throw ConfigErrors(diagnostics: [ConfigDiagnostic(
                location: start,
                message: "cannot read the configuration file \(absolute): \(error.localizedDescription); "
                    + "check the path and its permissions")])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigErrors(diagnostics: [ConfigDiagnostic(
                location: start, message: "the configuration file is not valid UTF-8 text; save it as UTF-8")])
        }
        return text
    }

    /// Parses and validates configuration text, as `load(path:environment:)` does with a file's contents.
    /// - Parameters:
    ///   - text: the YAML text.
    ///   - file: the file name used in diagnostics; `HousekeeperConfig.file` is its last component in
    ///     `baseDirectory` (or `file` itself when absolute).
    ///   - baseDirectory: the absolute folder that relative paths resolve against.
    ///   - environment: variables for `${VAR}` expansion.
    /// - Throws: `ConfigErrors` with every error found, sorted by position.
    public static func parse(
        text: String,
        file: String = "config.yaml",
        baseDirectory: String,
        environment: [String: String] = [:]
    ) throws(ConfigErrors) -> HousekeeperConfig {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let absoluteFile = file.hasPrefix("/") ? file : PathResolver.absolute(name, base: baseDirectory)
        return try parse(
            text: text, file: file, absoluteFile: absoluteFile, baseDirectory: baseDirectory, environment: environment)
    }

    /// Parses and validates configuration text whose file is `absoluteFile`, named `file` in diagnostics.
    static func parse(
        text: String,
        file: String,
        absoluteFile: String,
        baseDirectory: String,
        environment: [String: String],
        runtimeTasks: [RuntimeTaskSource] = []
    ) throws(ConfigErrors) -> HousekeeperConfig {
        var diagnostics = DiagnosticCollector(file: file)
        var parser = YAMLParser(text: text)
        let root = parser.parse(into: &diagnostics)
        if diagnostics.hasErrors && root == nil {
            throw ConfigErrors(diagnostics: diagnostics.sorted)
        }
        var draft = ConfigDraft()
        if let root, !root.isNull {
            let expanded = EnvironmentExpander.mayExpand(text)
                ? EnvironmentExpander(environment: environment).expand(root, diagnostics: &diagnostics) : root
            ConfigDraft.schema.decode(expanded, scope: "at the top level", into: &draft, diagnostics: &diagnostics)
        }
        for source in runtimeTasks {
            if let task = source.draft(diagnostics: &diagnostics) { draft.tasks.append(task) }
        }
        if draft.tasks.isEmpty && !diagnostics.hasErrors {
            diagnostics.warning(
                "the configuration defines no tasks; add a tasks: list to schedule something",
                at: root?.mark ?? YAMLMark(line: 1, column: 1))
        }
        var assembler = ConfigAssembler(file: absoluteFile, baseDirectory: baseDirectory)
        guard let config = assembler.assemble(draft, diagnostics: &diagnostics) else {
            throw ConfigErrors(diagnostics: diagnostics.sorted)
        }
        return config
    }
}
