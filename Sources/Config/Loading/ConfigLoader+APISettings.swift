import Foundation

extension ConfigLoader {
    /// The `api:` settings of a file even when other parts of it have errors, so that `housekeeper reload` can
    /// still reach the daemon (which then reports those errors and keeps its running configuration).
    /// - Throws: `ConfigErrors` when the file cannot be read or is not YAML at all.
    public static func apiSettings(path: String, environment: [String: String]) throws(ConfigErrors) -> APISettings {
        try apiAndState(path: path, environment: environment).api
    }

    /// The `api:` settings and the absolute `state.database` of a file even when other parts of it have errors
    /// (the CLI finds the daemon's generated API token next to the database).
    /// - Throws: `ConfigErrors` when the file cannot be read or is not YAML at all.
    public static func apiAndState(
        path: String, environment: [String: String]
    ) throws(ConfigErrors) -> (api: APISettings, stateDatabase: String) {
        let absolute = PathResolver.absolute(path, base: FileManager.default.currentDirectoryPath)
        guard let data = FileManager.default.contents(atPath: absolute), let text = String(validating: data, as: UTF8.self)
        else {
            throw ConfigErrors(diagnostics: [ConfigDiagnostic(
                location: SourceLocation(file: path, line: 1, column: 1),
                message: "cannot read the configuration file \(absolute) as UTF-8 text")])
        }
        var diagnostics = DiagnosticCollector(file: path)
        var parser = YAMLParser(text: text)
        guard let root = parser.parse(into: &diagnostics) else { throw ConfigErrors(diagnostics: diagnostics.sorted) }
        var draft = ConfigDraft()
        if !root.isNull {
            let expanded = EnvironmentExpander(environment: environment).expand(root, diagnostics: &diagnostics)
            ConfigDraft.schema.decode(expanded, scope: "at the top level", into: &draft, diagnostics: &diagnostics)
        }
        var api = draft.api
        api.tokenFile = api.tokenFile.map { PathResolver.absolute($0, base: PathResolver.folder(of: absolute)) }
        return (api, PathResolver.absolute(draft.state.database, base: PathResolver.folder(of: absolute)))
    }
}
