/// The top level of a configuration file as decoded, before cross-checks, path resolution and cron parsing.
struct ConfigDraft {
    /// `plugins:`.
    struct Plugins {
        /// `plugins.directory`, as written.
        var directory = "plugins"
        /// `plugins.isolation`: per-plugin isolation modes.
        var isolation: [PluginIsolationDraft] = []
    }

    /// `state:`.
    struct State {
        /// `state.database`, as written.
        var database = "var/housekeeper.sqlite"
        /// `state.history_retention`.
        var historyRetention: Duration = .seconds(30 * 86_400)
        /// `state.history_keep_failed`.
        var historyKeepFailed: Duration?
        /// `state.prune_interval`.
        var pruneInterval: Duration = .seconds(3600)
    }

    /// `alerts:` as decoded (task names still unchecked).
    struct Alerts {
        /// `alerts.error_rate`.
        struct ErrorRate {
            var threshold = 0.05
            var window: Duration = .seconds(15 * 60)
            var minRuns = 10
        }

        /// `alerts.memory`.
        struct Memory {
            var threshold = 0.8
            var limit: UInt64?
        }

        var checkInterval: Duration = .seconds(30)
        var errorRate = ErrorRate()
        var memory = Memory()
        var onAlert: [Located<String>] = []
    }

    /// `limits:`.
    struct Limits {
        /// `limits.max_running`.
        var maxRunning = 4
    }

    /// `shutdown:`.
    struct Shutdown {
        /// `shutdown.grace_period`.
        var gracePeriod: Duration = .seconds(30)
    }

    /// `timezone:`, when set.
    var timezone: Located<String>?
    /// `isolation:`: the default isolation mode of every task.
    var isolation: IsolationMode = .inProcess
    /// `plugins:`.
    var plugins = Plugins()
    /// `state:`.
    var state = State()
    /// `limits:`.
    var limits = Limits()
    /// `shutdown:`.
    var shutdown = Shutdown()
    /// `alerts:`.
    var alerts = Alerts()
    /// `api:` (paths still relative).
    var api = APISettings()
    /// `log:`.
    var log = LogSettings()
    /// `groups:`, in file order.
    var groups: [GroupDraft] = []
    /// `tasks:`, in file order.
    var tasks: [TaskDraft] = []

    /// One entry of `groups:`.
    struct GroupDraft {
        /// The group's name (the key).
        var name: Located<String>
        /// `max_running` (nil: only the global limit applies).
        var maxRunning: Int?
        /// `rate_limit`.
        var rateLimit: TaskDraft.RateLimitDraft?

        static var schema: MappingSchema<GroupDraft> {
            MappingSchema([
                .optional("max_running", \.maxRunning, .integer(minimum: 1)),
                .optional("rate_limit", \.rateLimit, .section(TaskDraft.RateLimitDraft(), TaskDraft.RateLimitDraft.schema)),
            ])
        }
    }

    /// The top-level key table. Add a global setting here (and a field above).
    static var schema: MappingSchema<ConfigDraft> {
        MappingSchema([
            .optional("timezone", \.timezone, ValueDecoder.nonEmptyString.located),
            .field("isolation", \.isolation, .oneOf()),
            .section("plugins", \.plugins, MappingSchema([
                .field("directory", \.directory, .nonEmptyString),
                .field("isolation", \.isolation, .pluginIsolation),
            ])),
            .section("state", \.state, MappingSchema([
                .field("database", \.database, .nonEmptyString),
                .field("history_retention", \.historyRetention, .duration(allowZero: false)),
                .optional("history_keep_failed", \.historyKeepFailed, .duration(allowZero: false)),
                .field("prune_interval", \.pruneInterval, .duration(allowZero: false)),
            ])),
            .section("limits", \.limits, MappingSchema([
                .field("max_running", \.maxRunning, .integer(minimum: 1)),
            ])),
            .section("shutdown", \.shutdown, MappingSchema([
                .field("grace_period", \.gracePeriod, .duration(allowZero: true)),
            ])),
            .section("api", \.api, MappingSchema([
                .field("listen", \.listen, .listenAddress),
                .field("enabled", \.enabled, .bool),
                .optional("token", \.token, .nonEmptyString),
                .optional("token_file", \.tokenFile, .nonEmptyString),
                .optional("token_env", \.tokenEnvironmentVariable, .nonEmptyString),
                .field("runtime_tasks", \.runtimeTasks, .bool),
            ], exclusiveGroups: [["token", "token_file", "token_env"]])),
            .section("alerts", \.alerts, MappingSchema([
                .field("check_interval", \.checkInterval, .duration(allowZero: false)),
                .section("error_rate", \.errorRate, MappingSchema([
                    .field("threshold", \.threshold, .percentage),
                    .field("window", \.window, .duration(allowZero: false)),
                    .field("min_runs", \.minRuns, .integer(minimum: 1)),
                ])),
                .section("memory", \.memory, MappingSchema([
                    .field("threshold", \.threshold, .percentage),
                    .optional("limit", \.limit, .byteSize(minimum: 1)),
                ])),
                .field("on_alert", \.onAlert, .taskNames),
            ])),
            .section("log", \.log, MappingSchema([
                .field("level", \.level, .oneOf()),
                .field("format", \.format, .oneOf()),
                .field("runs", \.runs, .oneOf()),
            ])),
            .field("groups", \.groups, .groups),
            .field("tasks", \.tasks, .tasks),
        ])
    }
}

extension ValueDecoder where Value == String {
    /// `host:port` with a port from 1 to 65535 (`[::1]:8089` for IPv6).
    static var listenAddress: ValueDecoder<String> {
        nonEmptyString.validated { value, context in
            guard let colon = value.lastIndex(of: ":"), colon != value.startIndex,
                let port = Int(value[value.index(after: colon)...]), (1...65_535).contains(port)
            else {
                return "invalid address \"\(value)\" for \(context.subject); write host:port, e.g. 127.0.0.1:8089"
            }
            return nil
        }
    }
}

extension ValueDecoder where Value == [ConfigDraft.GroupDraft] {
    /// `groups:`: a mapping of group names to `{max_running: N}`.
    static var groups: ValueDecoder<[ConfigDraft.GroupDraft]> {
        .typed("a mapping of group names to settings, e.g. {vacuum: {max_running: 1}}") { node, _, diagnostics in
            guard let pairs = node.pairs else { return .wrongType }
            return .value(pairs.compactMap { pair in
                guard let name = pair.keyText, TaskNameRule.isValid(name) else {
                    diagnostics.error(
                        "invalid group name in \"groups\"; \(TaskNameRule.help)", at: pair.key.mark)
                    return nil
                }
                var group = ConfigDraft.GroupDraft(name: Located(value: name, mark: pair.key.mark))
                ConfigDraft.GroupDraft.schema.decode(
                    pair.value, scope: "in group \"\(name)\"", into: &group, diagnostics: &diagnostics)
                return group
            })
        }
    }
}
