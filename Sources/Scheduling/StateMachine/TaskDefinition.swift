public import Config
public import Cron

/// What the state machine knows about a task: its schedule and every execution policy, with durations in
/// microseconds. Built from a `TaskSpec` by the generation; tests build it directly.
@dynamicMemberLookup
public struct TaskDefinition: Sendable {
    /// Task name (unique).
    public var name: String
    /// Its schedule, or nil when it never fires on its own (start-up only, `after:` only, `@reboot`, disabled).
    public var schedule: CronSchedule?
    /// The zone windows are matched in.
    public var zone: TimeZoneRules
    /// The overlap policy (with `allow`, `maxInstances` caps the active runs).
    public var overlap: OverlapPolicy
    /// `should_stop` this long after the start; nil for none.
    public var timeout: Micros?
    /// How late a slot may start and still count as on time (later ones follow `catchUp`).
    public var maxLateness: Micros
    /// Stable offset added to every slot (from `jitter:`), 0 for none.
    public var jitterOffset: Micros
    /// 0-9; higher starts first when runs wait for a slot.
    public var priority = 5
    /// A run waiting longer than this starts first whatever the priorities.
    public var maxWait: Micros = 3_600_000_000
    /// Holds the policies most tasks leave at their defaults (`policies`).
    var sharedPolicies = Self.defaultPolicies

    /// An `every:` schedule in microseconds.
    public struct Interval: Sendable, Hashable {
        public var every: Micros
        /// Microsecond of the local day the slots align to (wall time), if any.
        public var anchor: Micros?
        /// Count from the end of the previous run instead of the clock.
        public var afterFinish: Bool

        public init(every: Micros, anchor: Micros? = nil, afterFinish: Bool = false) {
            self.every = every
            self.anchor = anchor
            self.afterFinish = afterFinish
        }
    }

    /// A rate limit in microseconds.
    public struct Limit: Sendable, Hashable {
        public var runs: Int
        public var per: Micros

        public init(runs: Int, per: Micros) {
            self.runs = runs
            self.per = per
        }

        init(_ limit: RateLimit) { self.init(runs: limit.runs, per: limit.per.micros) }
    }

    /// Creates a definition with every policy at its default.
    public init(name: String, schedule: CronSchedule?, zone: TimeZoneRules = .utc, overlap: OverlapPolicy = .skip) {
        self.name = name
        self.schedule = schedule
        self.zone = schedule?.zone ?? zone
        self.overlap = overlap
        maxLateness = 60_000_000
        jitterOffset = 0
    }

    /// The typical interval of the schedule object the previous definition had: definitions made in a row from
    /// one load share schedule objects, and the interval costs two next-fire computations (a profile of 100,000
    /// tasks at start-up).
    struct IntervalMemo {
        fileprivate var last: (schedule: CronSchedule, interval: Micros?)?
    }

    /// A definition from a validated task; disabled tasks get no schedule and no start-up run.
    public init(spec: TaskSpec, schedule: CronSchedule?, zone: TimeZoneRules) {
        var memo = IntervalMemo()
        self.init(spec: spec, schedule: schedule, zone: zone, memo: &memo)
    }

    /// A definition from a validated task, reusing the typical interval in `memo` when the schedule is the same.
    init(spec: TaskSpec, schedule: CronSchedule?, zone: TimeZoneRules, memo: inout IntervalMemo) {
        let fires = spec.enabled && spec.cron?.isReboot != true
        self.init(name: spec.name, schedule: fires ? schedule : nil, zone: zone, overlap: spec.overlap)
        timeout = spec.timeout?.micros
        maxLateness = spec.maxLateness.micros
        jitterOffset = spec.jitter.map { StableHash.offset(for: spec.name, below: $0.micros) } ?? 0
        priority = spec.priority
        // Set together: each policy written on its own would store a new copy of all of them.
        var policies = Policies()
        policies.maxInstances = spec.overlap == .allow ? spec.maxInstances : 1
        policies.group = spec.group
        policies.timeoutGrace = spec.timeoutGrace.micros
        policies.retry = spec.retry
        policies.catchUp = spec.catchUp
        policies.maxCatchUp = spec.maxCatchUp
        policies.windows = spec.windows
        policies.windowPolicy = spec.windowPolicy
        policies.after = spec.enabled ? spec.after : []
        policies.afterCondition = spec.afterCondition
        policies.onFailure = spec.onFailure
        policies.onSuccess = spec.onSuccess
        policies.startup = spec.enabled && (spec.startup || spec.cron?.isReboot == true)
        policies.startupDelay = spec.startupDelay.micros
        if spec.enabled {
            policies.at = spec.at.map { $0 * 1_000_000 }
            policies.every = spec.every.map {
                Interval(every: $0.every.micros, anchor: $0.anchor.map { Micros($0) * 1_000_000 },
                         afterFinish: $0.mode == .afterFinish)
            }
        }
        policies.rateLimit = spec.rateLimit.map(Limit.init)
        policies.ratePolicy = spec.ratePolicy
        if policies != Self.defaultPolicies.value { sharedPolicies = Shared(policies) }
        if let maxWait = spec.maxWait {
            self.maxWait = maxWait.micros
        } else if let schedule = self.schedule, self.every == nil, self.at.isEmpty {
            // The interval of a cron schedule does not depend on the jitter (both slots move by it).
            let interval: Micros?
            if let last = memo.last, last.schedule === schedule {
                interval = last.interval
            } else {
                interval = typicalInterval
                memo.last = (schedule, interval)
            }
            maxWait = interval ?? 3_600_000_000
        } else {
            maxWait = typicalInterval ?? 3_600_000_000
        }
    }

    /// The distance between two consecutive slots from a fixed reference (for the default `max_wait`).
    var typicalInterval: Micros? {
        if let every = self.every { return every.every }
        let reference: Micros = 1_767_225_600_000_000
        guard let first = fireInstant(after: reference), let second = fireInstant(after: first) else { return nil }
        return second - first
    }

    /// Whether the task has slots of its own (cron, `at`, or a fixed-rate `every`), as opposed to runs that only
    /// come from start-up, other tasks, operators, or the end of its previous run.
    var hasClockSlots: Bool {
        schedule != nil || !self.at.isEmpty || (self.every.map { !$0.afterFinish } ?? false)
    }

    /// Two definitions with the same key fire at the same instants.
    var scheduleKey: String? {
        if let schedule {
            return "cron|\(schedule.expression.source)|\(schedule.zone.identifier)|\(schedule.dstGap.rawValue)|\(jitterOffset)"
        }
        if !self.at.isEmpty { return "at|\(self.at.map(String.init).joined(separator: ","))|\(jitterOffset)" }
        if let every = self.every {
            return "every|\(every.every)|\(every.anchor.map(String.init) ?? "-")|\(every.afterFinish)|\(zone.identifier)|\(jitterOffset)"
        }
        return nil
    }

    /// The task's next slot strictly after `instant` (µs), jitter included; nil when it has no clock slots left
    /// (an `at:` task past its last instant is completed).
    public func nextSlot(after instant: Micros) -> Micros? { fireInstant(after: instant) }

    /// How the task is timed, for `list`, `check` and the API: `"0 3 * * *"`, `every 15m from 00:05`, `at ...`.
    public var timingDescription: String? {
        if let schedule { return "\"\(schedule.expression.source)\"" }
        if !self.at.isEmpty {
            return "at " + self.at.map { CronFormat.rfc3339($0.floorSeconds, in: zone) }.joined(separator: ", ")
        }
        if let every = self.every {
            var text = "every \(Self.durationText(every.every))"
            if let anchor = every.anchor {
                let seconds = anchor / 1_000_000
                func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
                text += " from \(pad(seconds / 3600)):\(pad(seconds % 3600 / 60))"
            }
            if every.afterFinish { text += " after each run finishes" }
            return text
        }
        return nil
    }

    /// `1h30m`, `15m`, `10s`, `250ms`: a duration as the configuration writes it.
    public static func durationText(_ micros: Micros) -> String {
        if micros % 1_000_000 != 0 { return "\(micros / 1000)ms" }
        var seconds = micros / 1_000_000
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size {
            text += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return text.isEmpty ? "0s" : text
    }

    /// The first fire instant strictly after `instant`, jitter included.
    func fireInstant(after instant: Micros) -> Micros? {
        let shifted = instant - jitterOffset
        if let schedule {
            return schedule.next(after: shifted.floorSeconds).map { $0 * 1_000_000 + jitterOffset }
        }
        if !self.at.isEmpty {
            return self.at.first { $0 > shifted }.map { $0 + jitterOffset }
        }
        guard let every = self.every, !every.afterFinish, every.every > 0 else { return nil }
        guard let anchor = every.anchor else {
            // Fixed rate in real time: multiples of the interval since the epoch (stable across restarts).
            let quotient = shifted >= 0 ? shifted / every.every : -((-shifted - 1) / every.every) - 1
            return (quotient + 1) * every.every + jitterOffset
        }
        return anchoredSlot(after: shifted, every: every.every, anchor: anchor).map { $0 + jitterOffset }
    }

    /// The first slot strictly after `instant` of a schedule aligned to `anchor` in wall time: each local day,
    /// `anchor mod every`, then every `every` until the day ends. Wall times that do not exist (a DST gap) are
    /// skipped; a repeated wall time (DST fall-back) fires at its first occurrence.
    private func anchoredSlot(after instant: Micros, every: Micros, anchor: Micros) -> Micros? {
        let day: Micros = 86_400_000_000
        let start = anchor % every
        let offset = Micros(zone.offset(at: instant.floorSeconds)) * 1_000_000
        let local = instant + offset
        var dayStart = (local >= 0 ? local / day : (local - day + 1) / day) * day - day
        for _ in 0..<4 {
            let from = max(0, (local - dayStart - start) / every - 1)
            var wall = dayStart + start + from * every
            while wall < dayStart + day {
                if let utc = utcInstant(ofWall: wall), utc > instant { return utc }
                wall += every
            }
            dayStart += day
        }
        return nil
    }

    /// The UTC instant of a local wall time, or nil when that wall time does not exist in the zone.
    private func utcInstant(ofWall wall: Micros) -> Micros? {
        let seconds = wall.floorSeconds
        let early = seconds - Int64(zone.offset(at: seconds - 86_400 / 2))
        let late = seconds - Int64(zone.offset(at: seconds + 86_400 / 2))
        for guess in [min(early, late), max(early, late)] where guess + Int64(zone.offset(at: guess)) == seconds {
            return guess * 1_000_000 + (wall - seconds * 1_000_000)
        }
        return nil
    }

    /// Whether a run may start at `instant` under the task's windows.
    func windowIsOpen(at instant: Micros) -> Bool {
        guard !self.windows.isEmpty else { return true }
        let local = instant.floorSeconds + Int64(zone.offset(at: instant.floorSeconds))
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let weekday = Int(((days + 4) % 7 + 7) % 7)  // 1970-01-01 was a Thursday
        let minute = Int((local - days * 86_400) / 60)
        return self.windows.contains { $0.contains(weekday: weekday, minute: minute) }
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
