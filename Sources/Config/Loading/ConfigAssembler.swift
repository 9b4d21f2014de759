import Cron

/// Turns a decoded draft into a `HousekeeperConfig`: resolves paths, checks time zones, parses schedules and
/// finds duplicate task names, recording every problem.
struct ConfigAssembler {
    /// Absolute path of the configuration file.
    let file: String
    /// The folder relative paths resolve against.
    let baseDirectory: String
    /// Zones already checked, with the error message for bad ones.
    private var checkedZones: [String: String?] = [:]
    /// Expressions without `H` parsed so far (they do not depend on the task's name): thousands of tasks often
    /// share a handful of schedules.
    private var parsedSchedules = LastHitDictionary<String, Shared<CronExpression>>()

    /// Creates an assembler for the file at `file` whose relative paths resolve against `baseDirectory`.
    init(file: String, baseDirectory: String) {
        self.file = file
        self.baseDirectory = baseDirectory
    }

    /// The configuration, or nil when `diagnostics` holds errors (found here or before).
    mutating func assemble(_ draft: ConfigDraft, diagnostics: inout DiagnosticCollector) -> HousekeeperConfig? {
        let timezone = draft.timezone?.value ?? "UTC"
        if let zone = draft.timezone {
            checkZone(zone, subject: "\"timezone\" at the top level", diagnostics: &diagnostics)
        }
        var api = draft.api
        api.tokenFile = api.tokenFile.map { PathResolver.absolute($0, base: baseDirectory) }
        var firstNames: [String: (mark: YAMLMark, source: TaskSource)] = [:]
        var groupNames: [String] = []
        for group in draft.groups {
            if groupNames.contains(group.name.value) {
                diagnostics.error("duplicate group \"\(group.name.value)\"", at: group.name.mark)
            }
            groupNames.append(group.name.value)
        }
        var pluginIsolation: [String: IsolationMode] = [:]
        for entry in draft.plugins.isolation {
            if pluginIsolation[entry.name.value] != nil {
                diagnostics.error("duplicate plugin \"\(entry.name.value)\" in \"isolation\" in section \"plugins\"",
                                  at: entry.name.mark)
            }
            pluginIsolation[entry.name.value] = entry.mode
        }
        firstNames.reserveCapacity(draft.tasks.count)
        var tasks: [TaskSpec] = []
        var interner = TaskSpecInterner()
        // Exactly as many as the file has: doubling growth left up to half the array unused (heaptrack at idle).
        tasks.reserveCapacity(draft.tasks.count)
        // Tasks named in another task's on_failure / on_success run as hooks: that is enough to start them.
        let hookTargets = Set(draft.tasks.flatMap { $0.onFailure.map(\.value) + $0.onSuccess.map(\.value) })
        for task in draft.tasks {
            // One hash for a new name (the usual case): the entry is written, and put back if it was there.
            if let name = task.name, let first = firstNames.updateValue((name.mark, task.source), forKey: name.value) {
                firstNames[name.value] = first
                if first.source != task.source {
                    // Runtime tasks come after the file's: `first` is the file's. Reported there, where a reload
                    // brought the clash in.
                    diagnostics.error(
                        "task \"\(name.value)\" is defined both in this file and as a runtime task added through the "
                            + "API (\(diagnostics.location(of: name.mark).file)); a name may exist in only one place: "
                            + "rename the task here, or remove the runtime one (housekeeper task remove \(name.value))",
                        at: first.mark)
                } else {
                    diagnostics.error(
                        "duplicate task name \"\(name.value)\" (first used on line \(first.mark.line)); "
                            + "give each task a unique name", at: name.mark)
                }
            }
            if let zone = task.timezone {
                checkZone(zone, subject: "\"timezone\" in \(task.label)", diagnostics: &diagnostics)
            }
            let sharedCron = task.schedule.flatMap { cachedSchedule($0, task: task, diagnostics: &diagnostics) }
            guard let name = task.name, let plugin = task.plugin else { continue }
            // Counted first: the list of them is built only for the message (this runs once per task).
            let timings = (task.schedule == nil ? 0 : 1) + (task.at.isEmpty ? 0 : 1) + (task.every == nil ? 0 : 1)
            if timings > 1 {
                let kinds = [
                    task.schedule.map { ("schedule", $0.mark) }, task.at.first.map { ("at", $0.mark) },
                    task.every.map { ("every", $0.mark) },
                ].compactMap { $0 }
                diagnostics.error(
                    "\(task.label) has both \(kinds[0].0) and \(kinds[1].0); a task has exactly one of schedule, at "
                        + "and every (use after: or on_success: to chain another timing)", at: kinds[1].1)
                continue
            }
            if task.every == nil, task.anchor != nil || task.everyMode != nil {
                for (key, mark) in [("anchor", task.anchor?.mark), ("every_mode", task.everyMode?.mark)] {
                    guard let mark else { continue }
                    diagnostics.error(
                        "\"\(key)\" in \(task.label) only applies to every: schedules; add e.g. every: 15m", at: mark)
                }
            }
            if task.anchor != nil, task.everyMode?.value == .afterFinish, let anchor = task.anchor {
                diagnostics.error(
                    "\"anchor\" in \(task.label) cannot be used with every_mode: after_finish (runs follow the previous "
                        + "run's end, not the clock); remove one of them", at: anchor.mark)
            }
            // A timing key that failed to decode was reported already; "nothing starts it" would only repeat it.
            if timings == 0, !task.writesTiming, task.after.isEmpty,
               !task.startup, !hookTargets.contains(task.name?.value ?? "")
            {
                diagnostics.error(
                    "\(task.label) has nothing that starts it; add a schedule (e.g. schedule: \"0 3 * * *\", every: 15m "
                        + "or at: 2026-12-01T10:00:00Z), run it after other tasks (after: [other-task]) or at start-up "
                        + "(startup: true)",
                    at: task.mark)
                continue
            }
            if task.schedule != nil, sharedCron == nil { continue }
            if let maxInstances = task.maxInstances, task.overlap != .allow, maxInstances.value != 1 {
                diagnostics.error(
                    "\"max_instances\" in \(task.label) only applies with overlap: allow (it is \(task.overlap.rawValue)); "
                        + "set overlap: allow or remove max_instances", at: maxInstances.mark)
            }
            if let group = task.group, !groupNames.contains(group.value) {
                var message = "unknown group \"\(group.value)\" in \(task.label)"
                if let suggestion = KeySuggester.suggestion(for: group.value, among: groupNames) {
                    message += "; did you mean \"\(suggestion)\"?"
                } else {
                    message += "; declare it at the top level, e.g. groups: {\(group.value): {max_running: 1}}"
                }
                diagnostics.error(message, at: group.mark)
            }
            let location = diagnostics.location(of: task.mark)
            // The fields are built here and stored once: a spec built field by field copied them at each write.
            var fields = TaskSpec.Fields(
                name: name.value, plugin: plugin.value, schedule: task.schedule?.scalar?.text, cron: nil,
                location: location)
            fields.sharedCron = sharedCron.map { interner.share($0) }
            fields.timezone = task.timezone?.value ?? timezone
            fields.enabled = task.enabled
            fields.timeout = task.timeout
            fields.overlap = task.overlap
            fields.configJSON = task.config?.value ?? "{}"
            fields.pluginLocation = diagnostics.location(of: plugin.mark)
            if let config = task.config { fields.configLocation = diagnostics.location(of: config.mark) }
            fields.source = task.source
            // Set together and shared: one copy of the settings for all tasks that have the same ones.
            var options = TaskSpec.Options()
            options.description = task.description
            options.maxInstances = task.maxInstances?.value ?? 1
            options.group = task.group?.value
            options.timeoutGrace = task.timeoutGrace
            options.retry = task.retry.map {
                RetryPolicy(attempts: $0.attempts ?? 1, delay: $0.delay, backoff: $0.backoff, maxDelay: $0.maxDelay,
                            jitter: $0.jitter)
            }
            options.catchUp = task.catchUp
            options.maxLateness = task.maxLateness
            options.maxCatchUp = task.maxCatchUp
            options.startup = task.startup || sharedCron?.value.isReboot == true
            options.startupDelay = task.startupDelay
            options.jitter = task.jitter
            options.after = task.after.map(\.value)
            options.afterCondition = task.afterCondition
            options.onFailure = task.onFailure.map(\.value)
            options.onSuccess = task.onSuccess.map(\.value)
            options.windows = task.windows
            options.windowPolicy = task.windowPolicy
            options.dstGap = task.dstGap
            options.isolation = task.isolation?.value
                ?? (pluginIsolation.isEmpty ? nil : pluginIsolation[plugin.value]) ?? draft.isolation
            checkWorkerSettings(task, mode: options.isolation, diagnostics: &diagnostics)
            options.limits = task.limits?.value.limits ?? ResourceLimits()
            options.environment = task.environment?.value ?? [:]
            options.workingDirectory = task.workingDirectory.map { PathResolver.absolute($0.value, base: baseDirectory) }
            options.expectSuccessWithin = task.expectSuccessWithin
            options.at = task.at.map(\.value).sorted()
            options.every = task.every.map {
                IntervalSchedule(every: $0.value, anchor: task.anchor?.value, mode: task.everyMode?.value ?? .fixedRate)
            }
            options.priority = task.priority
            options.maxWait = task.maxWait
            options.rateLimit = task.rateLimit?.limit
            options.ratePolicy = task.ratePolicy
            fields.sharedOptions = interner.share(options)
            if let cron = sharedCron?.value, cron.neverFires, let node = task.schedule {
                diagnostics.warning(
                    "schedule \"\(cron.source)\" of \(task.label) never fires: no date matches it (e.g. February 31); "
                        + "check the day-of-month and month fields", at: node.mark)
            }
            tasks.append(TaskSpec(fields: fields))
        }
        TaskGraphChecker(tasks: draft.tasks).check(diagnostics: &diagnostics)
        let taskNames = draft.tasks.compactMap(\.name?.value)
        for target in draft.alerts.onAlert where !taskNames.contains(target.value) {
            var message = "\"on_alert\" in section \"alerts\" names an unknown task \"\(target.value)\""
            if let suggestion = KeySuggester.suggestion(for: target.value, among: taskNames) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            diagnostics.error(message, at: target.mark)
        }
        guard !diagnostics.hasErrors else { return nil }
        var config = HousekeeperConfig(
            file: file, timezone: timezone,
            pluginsDirectory: PathResolver.absolute(draft.plugins.directory, base: baseDirectory),
            stateDatabase: PathResolver.absolute(draft.state.database, base: baseDirectory),
            maxRunning: draft.limits.maxRunning, shutdownGracePeriod: draft.shutdown.gracePeriod,
            api: api, log: draft.log, groups: Dictionary(
                draft.groups.compactMap { group in group.maxRunning.map { (group.name.value, $0) } },
                uniquingKeysWith: { first, _ in first }),
            groupRateLimits: Dictionary(
                draft.groups.compactMap { group in group.rateLimit?.limit.map { (group.name.value, $0) } },
                uniquingKeysWith: { first, _ in first }),
            tasks: tasks, warnings: diagnostics.sorted)
        config.isolation = draft.isolation
        config.pluginIsolation = pluginIsolation
        config.alerts = AlertSettings(
            checkInterval: draft.alerts.checkInterval, errorRateThreshold: draft.alerts.errorRate.threshold,
            errorRateWindow: draft.alerts.errorRate.window, errorRateMinimumRuns: draft.alerts.errorRate.minRuns,
            memoryThreshold: draft.alerts.memory.threshold,
            memoryLimitBytes: draft.alerts.memory.limit.map { Int64(clamping: $0) }, onAlert: draft.alerts.onAlert.map(\.value))
        config.retention = RetentionSettings(
            keep: draft.state.historyRetention, keepFailed: draft.state.historyKeepFailed,
            pruneInterval: draft.state.pruneInterval)
        return config
    }

    /// Reports `limits`, `env` and `working_directory` on a task that runs in process, where they cannot apply.
    private func checkWorkerSettings(_ task: TaskDraft, mode: IsolationMode, diagnostics: inout DiagnosticCollector) {
        guard mode == .inProcess, task.limits != nil || task.environment != nil || task.workingDirectory != nil else {
            return
        }
        let set: [(String, YAMLMark)] = [
            task.limits.map { ("limits", $0.mark) }, task.environment.map { ("env", $0.mark) },
            task.workingDirectory.map { ("working_directory", $0.mark) },
        ].compactMap { $0 }
        for (key, mark) in set {
            diagnostics.error(
                "\"\(key)\" in \(task.label) only applies with isolation: process (it is in-process); "
                    + "add isolation: process to the task or remove \(key)", at: mark)
        }
    }

    /// A task's schedule: from the cache when it has no `H` (whose value depends on the task's name).
    private mutating func cachedSchedule(
        _ node: YAMLNode, task: TaskDraft, diagnostics: inout DiagnosticCollector
    ) -> Shared<CronExpression>? {
        guard let text = node.scalar?.text else { return nil }
        if let known = parsedSchedules[text] { return known }
        // Boxed once: every task with this text shares the box (and `TaskSpec` stores it as it is).
        let parsed = parseSchedule(node, task: task, diagnostics: &diagnostics).map(Shared.init)
        // Any H, even one in a day name (THU), keeps it out of the cache: a miss only costs a parse.
        if let parsed, !text.contains(where: { $0 == "H" || $0 == "h" }) { parsedSchedules.insert(parsed, for: text) }
        return parsed
    }

    /// Parses a task's schedule with its name as the `H` seed; errors point at the offending token.
    private func parseSchedule(
        _ node: YAMLNode, task: TaskDraft, diagnostics: inout DiagnosticCollector
    ) -> CronExpression? {
        guard let scalar = node.scalar else { return nil }
        do {
            return try CronExpression.parse(scalar.text, seed: task.name?.value ?? "")
        } catch {
            var mark = node.mark
            // CronError counts Characters; source columns count Unicode scalars.
            let offset = scalar.text.prefix(max(0, error.column)).unicodeScalars.count
            if let column = scalar.sourceOffset(forTextOffset: offset) { mark.column += column }
            var message = "invalid schedule \"\(scalar.text)\" in \(task.label): \(error.message)"
            if let field = error.field { message += " (\(field) field)" }
            diagnostics.error(message, at: mark)
            return nil
        }
    }

    /// Checks that a zone exists (`local` is the system zone and always accepted).
    private mutating func checkZone(
        _ zone: Located<String>, subject: String, diagnostics: inout DiagnosticCollector
    ) {
        guard zone.value != "local" else { return }
        let problem: String?
        if let known = checkedZones[zone.value] {
            problem = known
        } else {
            do {
                _ = try TimeZoneRules(identifier: zone.value)
                problem = nil
            } catch {
                problem = error.message
            }
            checkedZones[zone.value] = .some(problem)
        }
        guard let problem else { return }
        diagnostics.error(
            "unknown time zone \"\(zone.value)\" for \(subject) (\(problem)); use an IANA name such as "
                + "\"Europe/Paris\" or \"UTC\", or \"local\" for the system zone", at: zone.mark)
    }
}
