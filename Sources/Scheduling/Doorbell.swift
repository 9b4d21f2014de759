import Synchronization

/// Wakes the scheduler loop early: a ring is remembered until the next `wait()` consumes it.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    /// Mirrors `State.rung` (written under the lock only): a ring while one is pending already changes nothing, so
    /// it returns without taking the lock. Pool threads ring at every run's end; under load most rings are such.
    private let pending = Atomic<Bool>(false)

    /// Wakes the current waiter, or the next one if nobody waits.
    ///
    /// A ring skipped because one is pending is never lost: the waiter clears the pending ring before it looks for
    /// work, so whatever the ringing thread did before it looked at the mirror is seen by that look.
    func ring() {
        if pending.load(ordering: .sequentiallyConsistent) { return }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            pending.store(true, ordering: .sequentiallyConsistent)
            return nil
        }
        waiter?.resume()
    }

    /// Consumes a pending ring without waiting: true when there was one (the loop then need not set up a sleep).
    func consumeRing() -> Bool {
        state.withLock { state in
            defer {
                state.rung = false
                pending.store(false, ordering: .sequentiallyConsistent)
            }
            return state.rung
        }
    }

    /// Returns after a ring (at once if one is pending) or when the task is cancelled. One waiter at a time.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        pending.store(false, ordering: .sequentiallyConsistent)
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
