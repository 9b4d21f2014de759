import Foundation

/// Threads the host owns, for blocking plugin calls that must never run on Swift's cooperative pool.
///
/// The scheduler bounds how many runs are in flight (`limits.max_running`), so the pool itself does not: it reuses
/// an idle thread when there is one and starts a new one otherwise. A plugin that never returns keeps its thread,
/// which is the only safe thing to do with it in-process.
public final class BlockingThreadPool: Sendable {
    // `NSCondition` guards `state`; every access to `state` happens between lock() and unlock().
    private let condition = NSCondition()
    private nonisolated(unsafe) var state = State()
    private let name: String

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var idle = 0
        var threads = 0
    }

    /// Creates an empty pool; `name` labels its threads (visible in `top -H`).
    public init(name: String) {
        self.name = name
    }

    /// Runs `job` on a pool thread and returns at once.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        state.jobs.append(job)
        // Spawn unless an idle thread is left for every waiting job. Comparing with the job count (not
        // `idle == 0`) matters: a signalled thread stays counted idle until it wakes, so two quick submits would
        // both see it and the second job would wait behind the first, forever if the first never returns.
        let spawn = state.jobs.count > state.idle
        if spawn { state.threads += 1 }
        let number = state.threads
        condition.unlock()
        // Signalled after the unlock: a thread woken while the lock is still held would only block on it again
        // (a futex wait and a second wake-up per job). The job is in `jobs` already, so no wake-up is lost.
        condition.signal()
        if spawn {
            let thread = Thread { [self] in workLoop() }
            thread.name = "\(name)-\(number)"
            thread.start()
        }
    }

    /// Runs `body` on a pool thread and suspends (without blocking a cooperative thread) until it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// How many threads wait for a job (for tests).
    var idleCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.idle
    }

    /// How many threads the pool has started (for tests and metrics).
    public var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.threads
    }

    private func workLoop() {
        while true {
            condition.lock()
            while state.jobs.isEmpty {
                state.idle += 1
                condition.wait()
                state.idle -= 1
            }
            let job = state.jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
