import CIsolation
import Foundation
import Synchronization

/// Rings the scheduler loop's doorbell at its next wake-up: one deadline at a time, replaced as the loop's next
/// wake-up changes. The clock makes it (`SchedulerClock.makeAlarm`), so tests drive it with their own time.
public protocol SchedulerAlarm: Sendable {
    /// Rings once `deadline` is reached (at once if it has passed); nil: never. Replaces the previous deadline.
    func set(_ deadline: Micros?)
    /// Rings no more; called when the loop ends.
    func stop()
}

extension SchedulerClock {
    /// An alarm that sleeps on this clock in a task (the default: a test clock wakes it when it passes the deadline).
    public func makeAlarm(ring: @escaping @Sendable () -> Void) -> any SchedulerAlarm {
        TaskAlarm(clock: self, ring: ring)
    }
}

/// Sleeps on the clock in a detached task, replaced only when the deadline changes.
///
/// One sleeping task is kept across loop turns, so a turn waits on the doorbell alone. (Racing a clock sleep against
/// the doorbell in a task group at every turn cost two child tasks and a timer per turn: 7-10 % of the daemon's CPU
/// in the steady and burst benchmarks.) A stale ring (an alarm replaced just after it rang) costs one extra turn.
final class TaskAlarm: SchedulerAlarm {
    private let clock: any SchedulerClock
    private let ring: @Sendable () -> Void
    private let current = Mutex<(deadline: Micros, task: Task<Void, Never>)?>(nil)

    init(clock: any SchedulerClock, ring: @escaping @Sendable () -> Void) {
        self.clock = clock
        self.ring = ring
    }

    func set(_ deadline: Micros?) {
        let (clock, ring) = (self.clock, self.ring)
        current.withLock { current in
            // A kept alarm is still to ring only while its deadline is ahead.
            if let alarm = current, alarm.deadline == deadline, alarm.deadline > clock.now() { return }
            current?.task.cancel()
            current = nil
            guard let deadline else { return }
            current = (deadline, Task.detached {
                do {
                    try await clock.sleep(until: deadline)
                    ring()
                } catch {
                    // Cancelled: replaced by another deadline, or the loop ended.
                }
            })
        }
    }

    func stop() { set(nil) }
}

/// Sleeps to the deadline on a thread of its own, with its timer slack lowered: the system clock's alarm.
///
/// A sleeping task wakes through the runtime's timer and its cooperative threads, and the kernel may add its
/// default 50 us timer slack: 0.3 ms late at the median here. The thread waits on a condition with the deadline as
/// its absolute `CLOCK_REALTIME` time, so a wall-clock step moves the wake-up with it (as it moves the slots), and
/// wakes within tens of microseconds of it. A wait longer than a minute is cut into minutes, as `SystemClock.sleep`.
final class ThreadAlarm: SchedulerAlarm {
    private struct State {
        var deadline: Micros?
        var stopped = false
        var started = false
    }
    private let condition = NSCondition()
    // Guarded by `condition`: every access happens between lock() and unlock().
    private nonisolated(unsafe) var state = State()
    private let clock: SystemClock
    private let ring: @Sendable () -> Void

    init(clock: SystemClock, ring: @escaping @Sendable () -> Void) {
        self.clock = clock
        self.ring = ring
    }

    func set(_ deadline: Micros?) {
        condition.lock()
        defer { condition.unlock() }
        guard !state.stopped, state.deadline != deadline else { return }
        state.deadline = deadline
        if state.started {
            condition.signal()
            return
        }
        // Started with the first deadline: a scheduler that never runs has no thread.
        state.started = true
        let thread = Thread { [self] in
            BlockingThreadPool.nameCallingThread("hk-alarm")
            // 1 us: the slack is the kernel's licence to wake late; the loop wakes a few times a second at most.
            _ = hk_set_timer_slack(1_000)
            run()
        }
        thread.start()
    }

    func stop() {
        condition.lock()
        state.stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while !state.stopped {
            guard let deadline = state.deadline else {
                condition.wait()
                continue
            }
            let now = clock.now()
            if now >= deadline {
                state.deadline = nil
                condition.unlock()
                ring()
                condition.lock()
                continue
            }
            let until = min(deadline, now + 60_000_000)
            _ = condition.wait(until: Date(timeIntervalSince1970: Double(until) / 1_000_000))
        }
        condition.unlock()
    }
}
