public import Config
import History
import Logging

/// Why a runtime task change was refused.
public enum RuntimeTaskError: Error, Sendable, Hashable {
    /// The definition is invalid: every problem, with JSON pointers into the definition where they are in it.
    case invalid([ConfigDiagnostic])
    /// The name belongs to a task of the configuration file (read-only through the API), defined here.
    case definedInConfig(name: String, location: SourceLocation)
    /// A runtime task with this name exists already (add refuses to replace it).
    case exists(name: String)
    /// No runtime task has this name.
    case notFound(name: String)
    /// The name in the definition differs from the one the change is for.
    case nameMismatch(expected: String, found: String)
    /// Runtime tasks cannot be changed now (no store, or the store failed), with why.
    case unavailable(String)
}

/// Tasks added, replaced and removed at runtime (the API, `housekeeper task`): stored in the state database and
/// merged with the file's tasks into every generation, validated exactly like them.
extension Reloader {
    /// Adds a runtime task and schedules it.
    /// - Returns: the task as it now runs.
    public func addTask(_ source: RuntimeTaskSource) async -> Result<ScheduledTask, RuntimeTaskError> {
        await change(source.name, replacing: false) { tasks in tasks[source.name] = source }.map { $0! }
    }

    /// Replaces a runtime task's definition; its next runs follow the new one (a running run finishes as it began).
    /// - Parameter name: the task; `source.name` must be the same.
    public func replaceTask(named name: String, with source: RuntimeTaskSource) async
        -> Result<ScheduledTask, RuntimeTaskError>
    {
        guard source.name == name else { return .failure(.nameMismatch(expected: name, found: source.name)) }
        return await change(name, replacing: true) { tasks in tasks[name] = source }.map { $0! }
    }

    /// Removes a runtime task (runs already running finish; its planned extra runs are forgotten).
    public func removeTask(named name: String) async -> Result<Void, RuntimeTaskError> {
        await change(name, replacing: true) { tasks in tasks[name] = nil }.map { _ in () }
    }

    /// Checks, stores and applies one change to the runtime tasks.
    /// - Parameter replacing: the task must exist as a runtime task (replace, remove), or must not exist (add).
    private func change(
        _ name: String, replacing: Bool, _ edit: (inout [String: RuntimeTaskSource]) -> Void
    ) async -> Result<ScheduledTask?, RuntimeTaskError> {
        guard let store else { return .failure(.unavailable("runtime tasks need the state database")) }
        await gate.enter()
        let result = await changeNow(name, replacing: replacing, store: store, edit)
        await gate.leave()
        return result
    }

    private func changeNow(
        _ name: String, replacing: Bool, store: HistoryStore, _ edit: (inout [String: RuntimeTaskSource]) -> Void
    ) async -> Result<ScheduledTask?, RuntimeTaskError> {
        let previous = await scheduler.generation
        guard previous.configText != nil else {
            return .failure(.unavailable(
                "runtime tasks are switched off in \(previous.config.file) (api.enabled or api.runtime_tasks is false); "
                    + "set both to true and reload (SIGHUP) to add, replace or remove tasks at runtime"))
        }
        if let existing = previous.config.tasks.first(where: { $0.name == name && $0.source == .config }) {
            return .failure(.definedInConfig(name: name, location: existing.location))
        }
        let exists = previous.runtimeTasks[name] != nil
        if replacing && !exists { return .failure(.notFound(name: name)) }
        if !replacing && exists { return .failure(.exists(name: name)) }
        var tasks = previous.runtimeTasks
        edit(&tasks)
        let next: Generation
        do {
            next = try await loader.load(
                previous: previous, runtimeTasks: tasks.values.sorted { $0.name < $1.name }, rereadingFile: false)
        } catch {
            logger.notice("task.change.refused", metadata: [
                "task.name": "\(name)", "errors": "\(error.diagnostics.count)",
                "first": "\(error.diagnostics.first.map { "\($0)" } ?? "-")",
            ])
            return .failure(.invalid(error.diagnostics))
        }
        // A file's task whose plugin is missing is left out with an error; a task sent now is refused instead.
        let document = RuntimeTaskSource.documentName(for: name)
        let dropped = next.dropped.filter { $0.location.file == document }
        if tasks[name] != nil, !dropped.isEmpty || next.task(named: name) == nil {
            await discard(next, keeping: previous)
            return .failure(.invalid(dropped))
        }
        // Stored before it runs: a change that is applied is never lost by a restart.
        let now = scheduler.clock.now()
        do {
            if let source = tasks[name] {
                try await store.saveRuntimeTask(name: name, definition: source.definition, at: now)
            } else {
                try await store.deleteRuntimeTask(name: name)
            }
        } catch {
            await discard(next, keeping: previous)
            logger.error("task.change.failed", metadata: ["task.name": "\(name)", "error": "\(error)"])
            return .failure(.unavailable("the state database refused the change: \(error)"))
        }
        let change = GenerationChange(from: previous, to: next)
        await scheduler.apply(next)
        if tasks[name] == nil { await scheduler.forgetPlannedRuns(of: name) }
        logger.notice(tasks[name] == nil ? "task.removed" : exists ? "task.updated" : "task.added", metadata: [
            "task.name": "\(name)", "source": "api", "generation": "\(next.number)",
        ])
        observer(.applied(change), next)
        return .success(next.task(named: name))
    }

    /// Destroys the plugin instances a generation created that `previous` does not use (a change not applied).
    private func discard(_ generation: Generation, keeping previous: Generation) async {
        let kept = Set(previous.tasks.compactMap { $0.instance.map(ObjectIdentifier.init) })
        let orphans = generation.tasks.compactMap(\.instance).filter { !kept.contains(ObjectIdentifier($0)) }
        guard !orphans.isEmpty else { return }
        await loader.pool.run { for instance in orphans { instance.destroy() } }
    }
}
