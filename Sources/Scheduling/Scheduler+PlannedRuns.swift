import Config
import Cron
import Foundation
public import History
import Logging
import PluginHost

/// What became of a request for a run at a later instant.
public enum PlanOutcome: Sendable, Hashable {
    /// Stored; it runs at `dueAt` (µs since the epoch) unless cancelled. `id` is its `planned_run` row.
    case planned(id: Int64, dueAt: Micros)
    /// No such task in the running configuration.
    case unknownTask
    /// The daemon is shutting down, or the plan could not be stored.
    case notAccepted
}

/// Extra runs at a later instant and runs with a config override (`POST /tasks/{name}/run` with `at`, `delay`,
/// `config`). Planned runs are stored in the state database, so a restart keeps them; one missed while the daemon
/// was down runs at once when it is back.
extension Scheduler {
    /// Plans a manual run of `task` at `dueAt`; it is decided then like any manual run (overlap policy, limits).
    /// - Parameter configOverride: merged into the task's `config` for that run (checked with
    ///   `checkConfigOverride` first).
    public func planRun(task: String, at dueAt: Micros, configOverride: String?) async -> PlanOutcome {
        guard generation.task(named: task) != nil else { return .unknownTask }
        guard case .running = phase else { return .notAccepted }
        let now = clock.now()
        guard let id = await write({ try await $0.planRun(task: task, dueAt: dueAt, config: configOverride, at: now) })
        else { return .notAccepted }
        schedulePlanned(id: id, task: task, dueAt: dueAt, configOverride: configOverride)
        logger.info("run.planned", metadata: [
            "task.name": "\(task)", "planned.id": "\(id)", "due": "\(CronFormat.rfc3339(dueAt / 1_000_000, in: .utc))",
        ])
        doorbell.ring()
        return .planned(id: id, dueAt: dueAt)
    }

    /// The runs planned for later and not decided yet, earliest first.
    public func plannedRuns() async -> [PlannedRun] {
        await write { try await $0.plannedRuns() } ?? []
    }

    /// Checks a config override against the task's plugin: the merged config must be a JSON object the plugin's
    /// `create` accepts (checked in this process only for in-process tasks; a worker task's plugin sees it when
    /// the run starts, and a rejection fails that run).
    /// - Returns: nil when it is fine, else what is wrong.
    public func checkConfigOverride(task name: String, override: String) async -> String? {
        guard let task = generation.task(named: name) else { return "no task named \"\(name)\"" }
        guard let merged = Self.merge(config: task.spec.configJSON, override: override) else {
            return "\"config\" must be a JSON object of plugin settings"
        }
        guard task.instance != nil else { return nil }
        let plugin = task.plugin
        let directory = GenerationLoader.taskStateDirectory(for: generation.config, task: name)
        let logger = self.logger
        return await pool.run {
            switch plugin.makeInstance(
                taskName: name, configJSON: merged, stateDirectory: directory,
                logger: logger)
            {
            case .success(let instance):
                instance.destroy()
                return nil
            case .failure(let failure):
                return "plugin \"\(plugin.name)\" rejected the merged config: \(failure.message)"
            }
        }
    }

    /// Cancels a planned run of `task` that has not started.
    /// - Returns: false when the task has no such planned run (it ran already, or never existed).
    public func cancelPlanned(id: Int64, task: String) async -> Bool {
        guard let serial = plannedRows.first(where: { $0.value == id })?.key,
              machine.forgetPlanned(serial: serial, task: task)
        else { return false }
        plannedRows[serial] = nil
        configOverrides[serial] = nil
        _ = await write { try await $0.deletePlannedRun(id: id) }
        logger.notice("run.planned.cancelled", metadata: ["task.name": "\(task)", "planned.id": "\(id)"])
        doorbell.ring()
        return true
    }

    /// Forgets the planned runs of a task that was removed.
    func forgetPlannedRuns(of task: String) {
        for serial in machine.forgetPlanned(task: task) {
            plannedRows[serial] = nil
            configOverrides[serial] = nil
        }
    }

    /// Puts the planned runs stored in the database back on the timer (at start-up).
    func restorePlannedRuns() async {
        let stored = await write { try await $0.plannedRuns() } ?? []
        for plan in stored {
            guard generation.task(named: plan.task) != nil else {
                logger.warning("run.planned.dropped", metadata: [
                    "task.name": "\(plan.task)", "planned.id": "\(plan.id)",
                    "reason": "the task is no longer configured",
                ])
                _ = await write { try await $0.deletePlannedRun(id: plan.id) }
                continue
            }
            schedulePlanned(id: plan.id, task: plan.task, dueAt: plan.dueAt, configOverride: plan.config)
        }
        if !stored.isEmpty { logger.info("run.planned.restored", metadata: ["runs": "\(stored.count)"]) }
    }

    private func schedulePlanned(id: Int64, task: String, dueAt: Micros, configOverride: String?) {
        let context = "{\"planned_run_id\":\(id)}"
        let serial = machine.requestLater(task: task, at: dueAt, context: context)
        plannedRows[serial] = id
        if let configOverride { configOverrides[serial] = configOverride }
    }

    /// A planned run was decided without a history row (its task is gone): it is no longer planned. (A run decided
    /// with a row has its `planned_run` row deleted in that row's commit: see `insertRow`.)
    func settlePlanned(_ serial: UInt64) async {
        guard let id = plannedRows.removeValue(forKey: serial) else { return }
        _ = await write { try await $0.deletePlannedRun(id: id) }
    }

    /// The task and executor run `serial` of `task` uses: the task's own, or with its config merged with the run's
    /// override.
    func executor(for task: ScheduledTask, serial: UInt64) -> (ScheduledTask, any RunExecutor) {
        guard let override = configOverrides[serial],
              let merged = Self.merge(config: task.spec.configJSON, override: override)
        else { return (task, executorFor(task)) }
        var spec = task.spec
        spec.configJSON = merged
        let copy = ScheduledTask(spec: spec, schedule: task.schedule, zone: task.zone, plugin: task.plugin, instance: nil)
        guard task.instance != nil else { return (copy, executorFor(copy)) }
        return (copy, OverrideExecutor(
            stateDirectory: GenerationLoader.taskStateDirectory(for: generation.config, task: spec.name)))
    }

    /// RFC 7386 merge patch of two JSON objects; nil when either is not an object.
    static func merge(config: String, override: String) -> String? {
        guard let base = try? JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any],
              let patch = try? JSONSerialization.jsonObject(with: Data(override.utf8)) as? [String: Any]
        else { return nil }
        func apply(_ patch: [String: Any], to target: [String: Any]) -> [String: Any] {
            var result = target
            for (key, value) in patch {
                if value is NSNull {
                    result[key] = nil
                } else if let object = value as? [String: Any] {
                    result[key] = apply(object, to: result[key] as? [String: Any] ?? [:])
                } else {
                    result[key] = value
                }
            }
            return result
        }
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: apply(patch, to: base), options: options)
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Runs an in-process task with a config override: a fresh plugin instance created with the merged config for
/// this one run, destroyed after it (the task's own instance is not touched).
struct OverrideExecutor: RunExecutor {
    /// The task's state folder, handed to `create`.
    let stateDirectory: String

    func execute(task: ScheduledTask, request: RunRequest, control: RunControl, logger: Logger) -> RunCompletion {
        switch task.plugin.makeInstance(
            taskName: task.spec.name, configJSON: task.spec.configJSON, stateDirectory: stateDirectory,
            logger: logger)
        {
        case .success(let instance):
            defer { instance.destroy() }
            return .returned(instance.run(request, control: control, logger: logger))
        case .failure(let failure):
            return .returned(RunResult(
                status: .configError, message: "the plugin rejected the run's config override: \(failure.message)",
                output: nil))
        }
    }
}
