import Foundation

/// Microseconds since the Unix epoch, UTC: the scheduler's unit of time.
public typealias Micros = Int64

/// The clock the scheduler reads and sleeps on. Injected, so tests drive time by hand and never sleep.
public protocol SchedulerClock: Sendable {
    /// The current wall-clock time.
    func now() -> Micros
    /// A clock that never jumps (it includes time spent suspended), used to notice wall-clock steps.
    func monotonic() -> Micros
    /// Suspends until `now() >= deadline`.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(until deadline: Micros) async throws
    /// Makes the alarm that wakes the scheduler loop (`ring` rings its doorbell). The default sleeps on this clock
    /// in a task.
    func makeAlarm(ring: @escaping @Sendable () -> Void) -> any SchedulerAlarm
    /// Blocks the calling thread (a pool thread, never a cooperative one) until `now() >= deadline`, or until
    /// `stopRequested()` turns true. Used for the few milliseconds between a slot's early release and its instant
    /// (`Scheduler.releaseLead`).
    /// - Returns: true when the deadline came; false when asked to stop first.
    func block(until deadline: Micros, stopRequested: () -> Bool) -> Bool
}

extension SchedulerClock {
    /// Looks at the clock every 100 microseconds: a test clock moves only when the test moves it.
    public func block(until deadline: Micros, stopRequested: () -> Bool) -> Bool {
        while now() < deadline {
            if stopRequested() { return false }
            usleep(100)
        }
        return !stopRequested()
    }
}

/// The system's real-time clock.
public struct SystemClock: SchedulerClock {
    /// Creates the clock.
    public init() {}

    /// The current wall-clock time from `clock_gettime(CLOCK_REALTIME)`.
    public func now() -> Micros {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Micros(ts.tv_sec) * 1_000_000 + Micros(ts.tv_nsec) / 1_000
    }

    /// `CLOCK_BOOTTIME`: monotonic and counting suspend, so a suspend is missed slots, not a clock step.
    public func monotonic() -> Micros {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return Micros(ts.tv_sec) * 1_000_000 + Micros(ts.tv_nsec) / 1_000
    }

    /// A thread of its own that wakes within tens of microseconds of each deadline (`ThreadAlarm`).
    public func makeAlarm(ring: @escaping @Sendable () -> Void) -> any SchedulerAlarm {
        ThreadAlarm(clock: self, ring: ring)
    }

    /// Sleeps for the time left to the deadline as the wall clock reads it now, on the monotonic clock (a wall-clock
    /// step meanwhile neither stretches nor cuts the wait; the waits this is for last a few milliseconds), then looks
    /// at `stopRequested` once. The caller's timer slack applies: pool threads lower theirs to 1 us.
    public func block(until deadline: Micros, stopRequested: () -> Bool) -> Bool {
        let remaining = deadline - now()
        if remaining > 0, !stopRequested() {
            var wait = timespec(tv_sec: Int(remaining / 1_000_000), tv_nsec: Int(remaining % 1_000_000) * 1_000)
            var left = timespec()
            // EINTR (a signal handled on this thread): sleep on for what is left.
            while clock_nanosleep(CLOCK_MONOTONIC, 0, &wait, &left) == EINTR { wait = left }
        }
        return !stopRequested()
    }

    /// Sleeps in steps of at most a minute, re-reading the wall clock after each, so a wall-clock step or a
    /// suspend is noticed within a minute instead of sleeping through it.
    public func sleep(until deadline: Micros) async throws {
        while true {
            let remaining = deadline - now()
            if remaining <= 0 { return }
            let step = min(remaining, 60_000_000)
            try await Task.sleep(for: .microseconds(step), tolerance: .zero, clock: .continuous)
        }
    }
}

extension Micros {
    /// Whole seconds from microseconds (rounding toward negative infinity).
    var floorSeconds: Int64 { self >= 0 ? self / 1_000_000 : (self - 999_999) / 1_000_000 }
}

extension Duration {
    /// The duration in microseconds (truncated).
    public var micros: Micros {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
