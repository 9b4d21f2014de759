extension HousekeeperConfig {
    /// Errors for tasks whose `plugin:` names none of `known`, with a "did you mean" suggestion.
    ///
    /// Each error sits at the task's `pluginLocation`; when few plugins are known (ten or fewer) the message
    /// lists them all.
    public func unknownPluginDiagnostics(known: Set<String>) -> [ConfigDiagnostic] {
        let names = known.sorted()
        return tasks.filter { !known.contains($0.plugin) }.map { task in
            var message = "unknown plugin \"\(task.plugin)\" for task \"\(task.name)\""
            if let suggestion = KeySuggester.suggestion(for: task.plugin, among: names) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            if names.isEmpty {
                message += "; no plugins are loaded: put the plugin's .so file in \(pluginsDirectory)"
            } else if names.count <= 10 {
                message += "; known plugins: \(names.joined(separator: ", "))"
            } else {
                message += "; run `housekeeper plugins` to list the \(names.count) known plugins"
            }
            return ConfigDiagnostic(location: task.pluginLocation, message: message)
        }
    }
}
