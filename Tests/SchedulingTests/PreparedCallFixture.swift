import Config
import Cron
import Logging
@testable import PluginHost
@testable import Scheduling

extension PreparedCall {
    /// A first-attempt scheduled call of task `name` at `slot`, run by `executor` (the relay's and the released
    /// line's tests; the task has no instance unless the executor needs none).
    static func fixture(
        _ name: String, serial: UInt64, at slot: Micros = t0, executor: any RunExecutor = InProcessExecutor()
    ) throws -> PreparedCall {
        let plugin = try SchedulerFixture.plugin()
        let task = ScheduledTask(
            spec: TaskSpec(name: name, plugin: plugin.name, schedule: nil, cron: nil), schedule: nil,
            zone: try TimeZoneRules(identifier: "UTC"), plugin: plugin, instance: nil)
        return PreparedCall(
            run: PendingRun(serial: serial, task: name, trigger: .schedule, scheduledAt: slot), id: Int64(serial),
            task: task, callTask: task, executor: executor, control: RunControl(), contextJSON: "{}",
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}
