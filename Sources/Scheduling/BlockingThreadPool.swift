import CIsolation
import DequeModule
import Foundation

/// Threads the host owns, for blocking plugin calls that must never run on Swift's cooperative pool.
///
/// The scheduler bounds how many runs are in flight (`limits.max_running`), so the pool itself does not: it reuses
/// an idle thread when there is one and starts a new one otherwise. A plugin that never returns keeps its thread,
/// which is the only safe thing to do with it in-process.
///
/// Threads are woken one at a time, as a relay: a job queued while no thread is on its way to the queue wakes (or
/// starts) one; a thread that takes a job and leaves others queued wakes the next before it runs its own. So a
/// job never waits behind a blocked one (the next thread is already on its way), yet a line of short jobs wakes
/// a thread or two, not one per job: a woken thread takes the next job itself when its own returns quickly.
/// Waking a sleeping thread costs two context switches, which were most of the scheduler's CPU per run when
/// every job woke its own thread.
public final class BlockingThreadPool: Sendable {
    // `NSCondition` guards `state`; every access to `state` happens between lock() and unlock().
    private let condition = NSCondition()
    private nonisolated(unsafe) var state = State()
    private let name: String

    /// The pool's bookkeeping and the relay rule, apart from the threads and the lock (so the rule can be tested
    /// step by step). Every method is called under the lock.
    struct State {
        var jobs: Deque<@Sendable () -> Void> = []
        /// Threads in `condition.wait()` (a signalled thread counts until it wakes).
        var idle = 0
        /// A thread was signalled or started and has not looked at the queue yet: while one is on its way, nobody
        /// else needs waking.
        var threadOnItsWay = false
        var threads = 0
        /// Threads woken or started so far.
        var summoned = 0

        /// A job joins the line; returns who must come for it.
        mutating func enqueue(_ job: @escaping @Sendable () -> Void) -> Summons {
            jobs.append(job)
            return summons()
        }

        /// Jobs join the line together; at most one thread is called for all of them (the relay calls the rest).
        mutating func enqueue(contentsOf batch: [@Sendable () -> Void]) -> Summons {
            jobs.append(contentsOf: batch)
            return summons()
        }

        /// A woken or new thread looks at the line: it is no longer on its way.
        mutating func arrive() {
            threadOnItsWay = false
        }

        /// A thread takes the next job, if any, and says who must come for the ones still waiting.
        mutating func take() -> (job: (@Sendable () -> Void)?, summons: Summons) {
            guard let job = jobs.popFirst() else { return (nil, .nobody) }
            return (job, summons())
        }

        /// Who must come for the queued jobs, if nobody is on the way yet.
        mutating func summons() -> Summons {
            guard !jobs.isEmpty, !threadOnItsWay else { return .nobody }
            threadOnItsWay = true
            summoned += 1
            if idle > 0 { return .wake }
            threads += 1
            return .start(number: threads)
        }
    }

    enum Summons: Equatable {
        case nobody
        case wake
        case start(number: Int)
    }

    /// Creates an empty pool; `name` labels its threads (visible in `top -H`).
    public init(name: String) {
        self.name = name
    }

    /// Runs `job` on a pool thread and returns at once.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        let summons = state.enqueue(job)
        condition.unlock()
        call(summons)
    }

    /// Runs `jobs` on pool threads, in order, and returns at once. Costs the caller one lock and at most one
    /// wake-up for the whole batch: the thread that comes calls the next one itself if jobs are still waiting
    /// when it takes one (the scheduler hands over a loop turn's starts this way, keeping the futex calls of
    /// waking threads off its own thread).
    public func submit(contentsOf jobs: [@Sendable () -> Void]) {
        guard !jobs.isEmpty else { return }
        condition.lock()
        let summons = state.enqueue(contentsOf: jobs)
        condition.unlock()
        call(summons)
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

    private func call(_ summons: Summons) {
        switch summons {
        case .nobody:
            break
        case .wake:
            // Signalled after the unlock: a thread woken while the lock is still held would only block on it
            // again. A spurious wake-up may take the job first; the signalled thread then finds nothing and waits
            // again, and no job is left without a thread coming for it.
            condition.signal()
        case .start(let number):
            let label = "\(name)-\(number)"
            let thread = Thread { [self] in
                Self.nameCallingThread(label)
                // 1 us instead of the kernel's 50 us: a run released ahead of its slot waits on its pool thread
                // for the instant (`SchedulerClock.block`), and the slack is how late the kernel may wake it.
                _ = hk_set_timer_slack(1_000)
                workLoop()
            }
            thread.start()
        }
    }

    /// Gives the calling thread its name in the kernel (`top -H`, `/proc/PID/task/*/comm`; at most 15 bytes).
    ///
    /// Foundation's `Thread.name` cannot be trusted for this on Linux: set before `start()` it stays on the object,
    /// and set from inside the thread it reaches the kernel only if `start()` has already stored the thread's
    /// handle, which a new thread can outrun (the thread then shows its creator's name, a Dispatch queue's).
    /// `pthread_setname_np` is not visible from Swift's Glibc module; writing the thread's own `comm` file is what
    /// it does on Linux.
    static func nameCallingThread(_ name: String) {
        let file = open("/proc/thread-self/comm", O_WRONLY)
        guard file >= 0 else { return }
        defer { close(file) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    }

    private func workLoop() {
        condition.lock()
        state.arrive()
        while true {
            let (job, summons) = state.take()
            if let job {
                // Others still queued: the next thread is woken before this one runs a job that may block.
                condition.unlock()
                call(summons)
                job()
                condition.lock()
            } else {
                state.idle += 1
                condition.wait()
                state.idle -= 1
                // Here now (woken by a signal or spuriously: either way this thread looks at the queue next).
                state.arrive()
            }
        }
    }
}
