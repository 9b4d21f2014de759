import Cron
/// One task as decoded, before cross-checks (unique names, time zones) and cron parsing.
struct TaskDraft {
    /// Where the task's mapping starts.
    var mark: YAMLMark
    /// How the task is named in messages: `task "backup"`, or `task #3` when it has no valid name.
    var label: String
    /// `name:`, nil when missing or invalid.
    var name: Located<String>?
    /// `plugin:`, nil when missing or invalid.
    var plugin: Located<String>?
    /// The `schedule:` scalar, parsed later with the task name as seed.
    var schedule: YAMLNode?
    /// `timezone:`, nil for the global default.
    var timezone: Located<String>?
    /// `enabled:`.
    var enabled = true
    /// `timeout:`.
    var timeout: Duration?
    /// `overlap:`.
    var overlap: OverlapPolicy = .skip
    /// `config:` as JSON object text, nil when absent.
    var config: Located<String>?
    /// `description:`.
    var description: String?
    /// `max_instances:`.
    var maxInstances: Located<Int>?
    /// `group:`.
    var group: Located<String>?
    /// `timeout_grace:`.
    var timeoutGrace: Duration = .seconds(10)
    /// `retry:`.
    var retry: RetryDraft?
    /// `catch_up:`.
    var catchUp: CatchUpPolicy = .latest
    /// `max_lateness:`.
    var maxLateness: Duration = .seconds(60)
    /// `max_catch_up:`.
    var maxCatchUp = 10
    /// `startup:`.
    var startup = false
    /// `startup_delay:`.
    var startupDelay: Duration = .zero
    /// `jitter:`.
    var jitter: Duration?
    /// `after:`.
    var after: [Located<String>] = []
    /// `on:`.
    var afterCondition: DependencyCondition = .success
    /// `on_failure:`.
    var onFailure: [Located<String>] = []
    /// `on_success:`.
    var onSuccess: [Located<String>] = []
    /// `window:`.
    var windows: [TimeWindow] = []
    /// `window_policy:`.
    var windowPolicy: WindowPolicy = .skip
    /// `dst_gap:`.
    var dstGap: DSTGapPolicy = .coalesce
    /// `at:` instants (seconds since the epoch), with where each is written.
    var at: [Located<Int64>] = []
    /// `every:`.
    var every: Located<Duration>?
    /// `anchor:` as a second of the day.
    var anchor: Located<Int>?
    /// `every_mode:`.
    var everyMode: Located<IntervalSchedule.Mode>?
    /// `priority:`.
    var priority = 5
    /// `max_wait:`.
    var maxWait: Duration?
    /// `rate_limit:`.
    var rateLimit: RateLimitDraft?
    /// `rate_policy:`.
    var ratePolicy: RatePolicy = .queue
    /// The file, or a runtime task's definition.
    var source: TaskSource = .config
    /// True when a timing key (`schedule`, `at`, `every`) is written, valid or not (so a bad `every:` is not also
    /// reported as "nothing starts it").
    var writesTiming = false

    /// `rate_limit:` as decoded.
    struct RateLimitDraft {
        var runs: Int?
        var per: Duration = .seconds(60)

        static var schema: MappingSchema<RateLimitDraft> {
            MappingSchema([
                .required("runs", \.runs, .integer(minimum: 1), example: "runs: 10"),
                .field("per", \.per, .duration(allowZero: false)),
            ])
        }

        var limit: RateLimit? { runs.map { RateLimit(runs: $0, per: per) } }
    }
    /// `expect_success_within:`.
    var expectSuccessWithin: Duration?

    /// `isolation:`, nil for the plugin's or the global default.
    var isolation: Located<IsolationMode>?
    /// `limits:`.
    var limits: Located<LimitsDraft>?
    /// `env:`.
    var environment: Located<[String: String]>?
    /// `working_directory:`, as written.
    var workingDirectory: Located<String>?

    /// A draft of the task mapping whose pairs are `pairs`, before its keys are decoded.
    init(mark: YAMLMark, label: String, pairs: [YAMLPair]?) {
        self.mark = mark
        self.label = label
        writesTiming = pairs?.contains { pair in
            pair.keyText.map { $0 == "schedule" || $0 == "at" || $0 == "every" } ?? false
        } ?? false
    }

    /// `limits:` as decoded (worker-process resource limits).
    struct LimitsDraft {
        var memory: UInt64?
        var cpuSeconds: Int?
        var openFiles: Int?

        static var schema: MappingSchema<LimitsDraft> {
            MappingSchema([
                .optional("memory", \.memory, .byteSize(minimum: 1 << 20)),
                .optional("cpu_seconds", \.cpuSeconds, .integer(minimum: 1)),
                .optional("open_files", \.openFiles, .integer(minimum: 16)),
            ])
        }

        /// The typed limits.
        var limits: ResourceLimits {
            ResourceLimits(memoryBytes: memory, cpuSeconds: cpuSeconds.map(UInt64.init),
                           openFiles: openFiles.map(UInt64.init))
        }
    }

    /// `retry:` as decoded.
    struct RetryDraft {
        var attempts: Int?
        var delay: Duration = .seconds(10)
        var backoff: RetryPolicy.Backoff = .exponential
        var maxDelay: Duration = .seconds(3600)
        var jitter: Duration = .zero

        static var schema: MappingSchema<RetryDraft> {
            MappingSchema([
                .required("attempts", \.attempts, .integer(minimum: 1), example: "attempts: 3"),
                .field("delay", \.delay, .duration(allowZero: true)),
                .field("backoff", \.backoff, .oneOf()),
                .field("max_delay", \.maxDelay, .duration(allowZero: false)),
                .field("jitter", \.jitter, .duration(allowZero: true)),
            ])
        }
    }

    /// The per-task key table. Add a task setting here (and a field above).
    static var schema: MappingSchema<TaskDraft> {
        MappingSchema([
            .required("name", \.name, ValueDecoder.taskName.located, example: "name: nightly-backup"),
            .required("plugin", \.plugin, ValueDecoder.nonEmptyString.located, example: "plugin: backup"),
            .optional("schedule", \.schedule, .scalarNode),
            .optional("timezone", \.timezone, ValueDecoder.nonEmptyString.located),
            .field("enabled", \.enabled, .bool),
            .optional("timeout", \.timeout, .duration(allowZero: false)),
            .field("overlap", \.overlap, .oneOf()),
            .optional("max_instances", \.maxInstances, ValueDecoder.integer(minimum: 1).located),
            .optional("group", \.group, ValueDecoder.nonEmptyString.located),
            .field("timeout_grace", \.timeoutGrace, .duration(allowZero: true)),
            .optional("retry", \.retry, .section(RetryDraft(), RetryDraft.schema)),
            .field("catch_up", \.catchUp, .oneOf()),
            .field("max_lateness", \.maxLateness, .duration(allowZero: true)),
            .field("max_catch_up", \.maxCatchUp, .integer(minimum: 1)),
            .field("startup", \.startup, .bool),
            .field("startup_delay", \.startupDelay, .duration(allowZero: true)),
            .optional("jitter", \.jitter, .duration(allowZero: false)),
            .field("after", \.after, .taskNames),
            .field("on", \.afterCondition, .oneOf()),
            .field("on_failure", \.onFailure, .taskNames),
            .field("on_success", \.onSuccess, .taskNames),
            .field("window", \.windows, .windows),
            .field("window_policy", \.windowPolicy, .oneOf()),
            .field("dst_gap", \.dstGap, .oneOf()),
            .field("at", \.at, .instants),
            .optional("every", \.every, ValueDecoder<Duration>.duration(allowZero: false).located),
            .optional("anchor", \.anchor, ValueDecoder<Int>.timeOfDay.located),
            .optional("every_mode", \.everyMode, ValueDecoder<IntervalSchedule.Mode>.oneOf().located),
            .field("priority", \.priority, .integer(in: 0...9)),
            .optional("max_wait", \.maxWait, .duration(allowZero: false)),
            .optional("rate_limit", \.rateLimit, .section(RateLimitDraft(), RateLimitDraft.schema)),
            .field("rate_policy", \.ratePolicy, .oneOf()),
            .optional("isolation", \.isolation, ValueDecoder<IsolationMode>.oneOf().located),
            .optional("limits", \.limits, ValueDecoder.section(LimitsDraft(), LimitsDraft.schema).located),
            .optional("env", \.environment, ValueDecoder.environment.located),
            .optional("working_directory", \.workingDirectory, ValueDecoder.nonEmptyString.located),
            .optional("expect_success_within", \.expectSuccessWithin, .duration(allowZero: false)),
            .optional("config", \.config, ValueDecoder.jsonObject.located),
            .optional("description", \.description, .string),
        ])
    }
}

extension ValueDecoder where Value == [TaskDraft] {
    /// The `tasks:` sequence: each item a task mapping decoded with `TaskDraft.schema`.
    static var tasks: ValueDecoder<[TaskDraft]> {
        .typed("a list of tasks") { node, _, diagnostics in
            guard let items = node.items else { return .wrongType }
            // Built once, not per task (a profile of 100,000 tasks showed the table rebuilt for each).
            let schema = TaskDraft.schema
            // Reserved up front: a draft is about 2 KB, and growing the array by doubling kept the old and the new
            // buffer alive at once (150 MB of the start-up peak with 100,000 tasks).
            var drafts: [TaskDraft] = []
            drafts.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                let label = item.pairs?.first { $0.keyText == "name" }?.value.scalar
                    .flatMap { TaskNameRule.isValid($0.text) ? "task \"\($0.text)\"" : nil }
                    ?? "task #\(index + 1)"
                guard item.pairs != nil else {
                    diagnostics.error(
                        "\(label) must be a mapping of task keys (name, plugin, schedule, ...), found "
                            + item.kindDescription, at: item.mark)
                    continue
                }
                // Decoded in place: a draft is about 2 KB, copying each into the array showed in the profile.
                drafts.append(TaskDraft(mark: item.mark, label: label, pairs: item.pairs))
                schema.decode(item, scope: "in \(label)", into: &drafts[drafts.count - 1], diagnostics: &diagnostics)
            }
            return .value(drafts)
        }
    }
}

extension ValueDecoder where Value == String {
    /// A task name: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 64 characters.
    static var taskName: ValueDecoder<String> {
        string.validated { value, context in
            guard !TaskNameRule.isValid(value) else { return nil }
            return "invalid task name \"\(value)\" for \(context.subject); \(TaskNameRule.help)"
        }
    }

    /// A mapping (or nothing) written as a JSON object text.
    static var jsonObject: ValueDecoder<String> {
        .typed("a mapping of plugin settings") { node, context, diagnostics in
            guard node.pairs != nil else { return .wrongType }
            let json = JSONWriter(context: context).json(for: node, diagnostics: &diagnostics)
            return json.map { .value($0) } ?? .invalid
        }
    }
}

extension ValueDecoder {
    /// A nested mapping decoded with its own key table into a fresh `initial` value.
    static func section(_ initial: Value, _ schema: MappingSchema<Value>) -> ValueDecoder<Value> {
        .typed("a mapping") { node, context, diagnostics in
            guard node.pairs != nil else { return .wrongType }
            var value = initial
            let before = diagnostics.errorCount
            schema.decode(node, scope: "in \(context.subject)", into: &value, diagnostics: &diagnostics)
            return diagnostics.errorCount == before ? .value(value) : .invalid
        }
    }

    /// One item or a list of items, each decoded with `item`.
    static func oneOrMany<Item>(_ item: ValueDecoder<Item>) -> ValueDecoder<[Item]> where Value == [Item] {
        .typed("\(item.expected) or a list of them") { node, context, diagnostics in
            if node.scalar != nil {
                return item.decode(node, context, &diagnostics).map { .value([$0]) } ?? .invalid
            }
            guard let items = node.items else { return .wrongType }
            let before = diagnostics.errorCount
            let values = items.compactMap { item.decode($0, context, &diagnostics) }
            return diagnostics.errorCount == before ? .value(values) : .invalid
        }
    }
}

extension ValueDecoder where Value == [Located<String>] {
    /// A task name or a list of task names (checked against the task list later).
    static var taskNames: ValueDecoder<[Located<String>]> { .oneOrMany(ValueDecoder<String>.taskName.located) }
}

extension ValueDecoder where Value == [TimeWindow] {
    /// A window such as `Mon-Fri 09:00-17:00`, or a list of them.
    static var windows: ValueDecoder<[TimeWindow]> {
        .oneOrMany(ValueDecoder<String>.nonEmptyString.parsed("a window such as \"Mon-Fri 09:00-17:00\"") { text in
            switch TimeWindow.parse(text) {
            case .success(let window): .success(window)
            case .failure(let error): .failure(ParseFailure(message: error.message))
            }
        })
    }
}

extension ValueDecoder where Value == String {
    /// Parses the decoded text into another type; `parse` returns the value or an error message.
    func parsed<Other>(
        _ expected: String, _ parse: @escaping (String) -> Result<Other, ParseFailure>
    ) -> ValueDecoder<Other> {
        ValueDecoder<Other>(expected: expected) { node, context, diagnostics in
            guard let text = decode(node, context, &diagnostics) else { return nil }
            switch parse(text) {
            case .success(let value): return value
            case .failure(let failure):
                diagnostics.error("\(failure.message) (\(context.subject))", at: node.mark)
                return nil
            }
        }
    }
}

extension ValueDecoder where Value == [Located<Int64>] {
    /// An RFC 3339 instant with an offset (`2026-12-01T10:00:00+01:00`), or a list of them.
    static var instants: ValueDecoder<[Located<Int64>]> {
        .oneOrMany(ValueDecoder<String>.nonEmptyString.parsed(
            "an RFC 3339 instant such as 2026-12-01T10:00:00+01:00"
        ) { text in
            guard let seconds = CronFormat.parseRFC3339(text) else {
                return .failure(ParseFailure(message:
                    "invalid instant \"\(text)\"; write RFC 3339 with an offset, e.g. 2026-12-01T10:00:00+01:00 "
                        + "or 2026-12-01T09:00:00Z"))
            }
            return .success(seconds)
        }.located)
    }
}

extension ValueDecoder where Value == Int {
    /// A time of day `HH:MM` or `HH:MM:SS`, as a second of the day.
    static var timeOfDay: ValueDecoder<Int> {
        ValueDecoder<String>.nonEmptyString.parsed("a time of day such as \"00:05\"") { text in
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard (2...3).contains(parts.count), parts.allSatisfy({ $0 != nil }),
                  let hour = parts[0], let minute = parts[1], (0..<24).contains(hour), (0..<60).contains(minute),
                  (parts.count == 2 || (0..<60).contains(parts[2]!))
            else {
                return .failure(ParseFailure(message: "invalid time of day \"\(text)\"; write HH:MM, e.g. \"00:05\""))
            }
            return .success(hour * 3600 + minute * 60 + (parts.count == 3 ? parts[2]! : 0))
        }
    }

    /// An integer within `range`.
    static func integer(in range: ClosedRange<Int>) -> ValueDecoder<Int> {
        integer(minimum: range.lowerBound).validated { value, context in
            value <= range.upperBound ? nil
                : "\(context.subject) must be at most \(range.upperBound), found \(value)"
        }
    }
}

/// A value that could not be parsed, with the message to report.
struct ParseFailure: Error {
    /// What is wrong and how to write it.
    var message: String
}
