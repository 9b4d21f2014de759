public import Config
public import Cron

/// What the state machine knows about a task: its schedule and every execution policy, with durations in
/// microseconds. Built from a `TaskSpec` by the generation; tests build it directly.
public struct TaskDefinition: Sendable {
    /// Task name (unique).
    public var name: String
    /// Its schedule, or nil when it never fires on its own (start-up only, `after:` only, `@reboot`, disabled).
    public var schedule: CronSchedule?
    /// The zone windows are matched in.
    public var zone: TimeZoneRules
    /// Overlap policy and, for `allow`, the instance cap.
    public var overlap: OverlapPolicy
    public var maxInstances: Int
    /// The task's concurrency group, if any.
    public var group: String?
    /// `should_stop` this long after the start; nil for none.
    public var timeout: Micros?
    /// Reported stuck this long after `should_stop` if still running.
    public var timeoutGrace: Micros
    /// Retry policy, if any.
    public var retry: RetryPolicy?
    /// Missed-slot policy.
    public var catchUp: CatchUpPolicy
    public var maxLateness: Micros
    public var maxCatchUp: Int
    /// Stable offset added to every slot (from `jitter:`), 0 for none.
    public var jitterOffset: Micros
    /// Windows in which runs may start; empty for always.
    public var windows: [TimeWindow]
    public var windowPolicy: WindowPolicy
    /// Tasks whose end triggers this one, and on which outcome.
    public var after: [String]
    public var afterCondition: DependencyCondition
    /// Hooks.
    public var onFailure: [String]
    public var onSuccess: [String]
    /// Run once at daemon start, after `startupDelay`.
    public var startup: Bool
    public var startupDelay: Micros

    /// Creates a definition with every policy at its default.
    public init(name: String, schedule: CronSchedule?, zone: TimeZoneRules = .utc, overlap: OverlapPolicy = .skip) {
        self.name = name
        self.schedule = schedule
        self.zone = schedule?.zone ?? zone
        self.overlap = overlap
        maxInstances = 1
        timeoutGrace = 10_000_000
        catchUp = .latest
        maxLateness = 60_000_000
        maxCatchUp = 10
        jitterOffset = 0
        windows = []
        windowPolicy = .skip
        after = []
        afterCondition = .success
        onFailure = []
        onSuccess = []
        startup = false
        startupDelay = 0
    }

    /// A definition from a validated task; disabled tasks get no schedule and no start-up run.
    public init(spec: TaskSpec, schedule: CronSchedule?, zone: TimeZoneRules) {
        let fires = spec.enabled && spec.cron?.isReboot != true
        self.init(name: spec.name, schedule: fires ? schedule : nil, zone: zone, overlap: spec.overlap)
        maxInstances = spec.overlap == .allow ? spec.maxInstances : 1
        group = spec.group
        timeout = spec.timeout?.micros
        timeoutGrace = spec.timeoutGrace.micros
        retry = spec.retry
        catchUp = spec.catchUp
        maxLateness = spec.maxLateness.micros
        maxCatchUp = spec.maxCatchUp
        jitterOffset = spec.jitter.map { StableHash.offset(for: spec.name, below: $0.micros) } ?? 0
        windows = spec.windows
        windowPolicy = spec.windowPolicy
        after = spec.enabled ? spec.after : []
        afterCondition = spec.afterCondition
        onFailure = spec.onFailure
        onSuccess = spec.onSuccess
        startup = spec.enabled && (spec.startup || spec.cron?.isReboot == true)
        startupDelay = spec.startupDelay.micros
    }

    /// Two definitions with the same key fire at the same instants.
    var scheduleKey: String? {
        schedule.map { "\($0.expression.source)|\($0.zone.identifier)|\($0.dstGap.rawValue)|\(jitterOffset)" }
    }

    /// The first fire instant strictly after `instant`, jitter included.
    func fireInstant(after instant: Micros) -> Micros? {
        guard let schedule else { return nil }
        let shifted = instant - jitterOffset
        return schedule.next(after: shifted.floorSeconds).map { $0 * 1_000_000 + jitterOffset }
    }

    /// Whether a run may start at `instant` under the task's windows.
    func windowIsOpen(at instant: Micros) -> Bool {
        guard !windows.isEmpty else { return true }
        let local = instant.floorSeconds + Int64(zone.offset(at: instant.floorSeconds))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let weekday = Int(((days + 4) % 7 + 7) % 7)  // 1970-01-01 was a Thursday
        let minute = Int((local - days * 86_400) / 60)
        return windows.contains { $0.contains(weekday: weekday, minute: minute) }
    }

    /// The next instant at or after `instant` at which a window is open (minute resolution, within 8 days).
    func nextWindowOpening(after instant: Micros) -> Micros? {
        let minute: Micros = 60_000_000
        var candidate = (instant / minute + 1) * minute
        for _ in 0..<(8 * 24 * 60) {
            if windowIsOpen(at: candidate) { return candidate }
            candidate += minute
        }
        return nil
    }
}

/// FNV-1a: a hash that is the same in every process and on every host (Swift's `Hasher` is seeded per process).
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// A stable value in `0..<bound` (whole seconds when the bound allows) for `key`.
    static func offset(for key: String, below bound: Micros) -> Micros {
        guard bound > 0 else { return 0 }
        let seconds = bound / 1_000_000
        if seconds >= 1 { return Micros(fnv1a(key) % UInt64(seconds)) * 1_000_000 }
        return Micros(fnv1a(key) % UInt64(bound))
    }
}
