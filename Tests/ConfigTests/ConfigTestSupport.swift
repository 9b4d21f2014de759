@testable import Config
import Cron
import Testing

/// Whether the real cron engine is linked (the contract stub rejects every expression).
enum CronAvailability {
    /// True when `* * * * *` parses, i.e. schedules in these tests are valid.
    static let isReal = (try? CronExpression.parse("* * * * *")) != nil
}

/// Helpers that run the loader on inline YAML.
enum Fixture {
    /// The folder relative paths resolve against in these tests.
    static let base = "/etc/housekeeper"

    /// Every diagnostic for `yaml` (empty when it loads). With the cron stub, schedule errors are left out,
    /// so expectations hold before and after the real engine is merged.
    static func diagnostics(_ yaml: String, environment: [String: String] = [:]) -> [ConfigDiagnostic] {
        do {
            let config = try ConfigLoader.parse(text: yaml, baseDirectory: base, environment: environment)
            return config.warnings.filter { $0.severity == .error }
        } catch {
            return error.diagnostics.filter { CronAvailability.isReal || !$0.message.hasPrefix("invalid schedule") }
        }
    }

    /// `file:line:column: severity: message` for each diagnostic of `yaml`.
    static func rendered(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        diagnostics(yaml, environment: environment).map(\.description)
    }

    /// The one diagnostic of `yaml`, recording an issue when there is not exactly one.
    static func single(_ yaml: String, environment: [String: String] = [:]) -> ConfigDiagnostic? {
        let found = diagnostics(yaml, environment: environment)
        guard found.count == 1 else {
            let listing = found.map(\.description).joined(separator: "\n")
            Issue.record("expected one diagnostic, got \(found.count):\n\(listing)")
            return nil
        }
        return found[0]
    }

    /// The configuration for `yaml`, recording an issue with every diagnostic when it does not load.
    static func config(_ yaml: String, environment: [String: String] = [:]) -> HousekeeperConfig? {
        do {
            return try ConfigLoader.parse(text: yaml, baseDirectory: base, environment: environment)
        } catch {
            Issue.record("unexpected errors:\n\(error.description)")
            return nil
        }
    }

    /// The task drafts decoded from `yaml` (before cron parsing), for checking typed task fields with any
    /// cron engine.
    static func taskDrafts(_ yaml: String) -> [TaskDraft] {
        var collector = DiagnosticCollector(file: "config.yaml")
        var parser = YAMLParser(text: yaml)
        var draft = ConfigDraft()
        if let root = parser.parse(into: &collector) {
            ConfigDraft.schema.decode(root, scope: "at the top level", into: &draft, diagnostics: &collector)
        }
        #expect(collector.diagnostics.isEmpty, "\(collector.diagnostics)")
        return draft.tasks
    }
}

/// Loads inline YAML that must fail, keeping schedule errors (unlike `Fixture`).
enum ConfigLoaderProbe {
    /// The errors of `yaml`.
    static func errors(_ yaml: String) throws -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(text: yaml, baseDirectory: "/")
            return []
        } catch {
            return error.diagnostics
        }
    }
}
