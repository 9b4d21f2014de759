import Synchronization

extension BlockingThreadPool {
    /// Runs `body` on a pool thread; if the calling task is cancelled first, returns nil at once and leaves the
    /// thread to finish on its own (its result is dropped). This is how shutdown gives up on a plugin call that
    /// ignores `should_stop`: the thread is abandoned, never killed.
    public func runAbandonable<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        let slot = Mutex<CheckedContinuation<T?, Never>?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                slot.withLock { $0 = continuation }
                if Task.isCancelled {
                    slot.withLock { $0.take() }?.resume(returning: nil)
                    return
                }
                submit {
                    let value = body()
                    slot.withLock { $0.take() }?.resume(returning: value)
                }
            }
        } onCancel: {
            slot.withLock { $0.take() }?.resume(returning: nil)
        }
    }
}
