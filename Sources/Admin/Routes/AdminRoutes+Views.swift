import Config
import History
import Scheduling
import Telemetry

/// Building the JSON views from the daemon's values.
extension AdminRoutes {
    /// The JSON view of a value.
    static func view(of record: RunRecord) -> RunView {
        RunView(
            id: record.id ?? 0, task: record.task, plugin: record.plugin, trigger: record.trigger.rawValue,
            status: record.status.rawValue, attempt: record.attempt,
            scheduledAt: UTCTimestamp.rfc3339(micros: record.scheduledAt),
            startedAt: record.startedAt.map(UTCTimestamp.rfc3339(micros:)),
            finishedAt: record.finishedAt.map(UTCTimestamp.rfc3339(micros:)),
            durationSeconds: record.startedAt.flatMap { start in
                record.finishedAt.map { Double($0 - start) / 1_000_000 }
            },
            error: record.error, output: record.output, firstRunId: record.firstRunID)
    }

    /// The JSON view of a value.
    static func view(of alert: Alert) -> AlertView {
        AlertView(
            kind: alert.kind.rawValue, task: alert.task, message: alert.message,
            since: UTCTimestamp.rfc3339(micros: alert.since))
    }

    /// The JSON view of a value.
    static func view(of task: ScheduledTask, snapshot: SchedulerSnapshot, lastRuns: [String: RunRecord]) -> TaskView {
        let spec = task.spec
        return TaskView(
            name: spec.name, plugin: spec.plugin, schedule: spec.schedule ?? task.definition.timingDescription,
            timezone: spec.timezone,
            enabled: spec.enabled, paused: snapshot.paused.contains(spec.name),
            running: snapshot.running.count { $0.task == spec.name },
            queued: snapshot.queued.count { $0.task == spec.name },
            lastRun: lastRuns[spec.name].map(view(of:)),
            nextRun: snapshot.nextFires[spec.name].map(UTCTimestamp.rfc3339(micros:)),
            description: spec.description, expectSuccessWithin: spec.expectSuccessWithin.map { "\($0)" },
            source: spec.source.rawValue,
            completed: spec.enabled && !spec.at.isEmpty && snapshot.nextFires[spec.name] == nil)
    }

    /// The snapshot and a view of every task.
    static func taskViews(_ context: AdminContext) async throws -> (SchedulerSnapshot, [TaskView]) {
        let snapshot = await context.scheduler.snapshot()
        let lastRuns = try await context.history.lastRuns()
        return (snapshot, snapshot.generation.tasks.map { view(of: $0, snapshot: snapshot, lastRuns: lastRuns) })
    }

    /// A run id parsed from text, or 400.
    static func runID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else {
            throw AdminError.badRequest("invalid run id \"\(text)\"; expected a positive integer")
        }
        return id
    }
}
