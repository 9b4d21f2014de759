import Synchronization

/// Writes protocol frames to the worker's message descriptor, one whole frame at a time, from any thread.
final class MessageWriter: Sendable {
    private let descriptor: Int32
    private let lock = Mutex(())

    /// Creates a writer for `descriptor` (3 in a worker).
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Sends one message.
    func send<Payload: Encodable>(_ kind: WorkerProtocol.Kind, _ payload: Payload) {
        let frame = WorkerProtocol.frame(kind, payload)
        lock.withLock { _ in _ = Posix.writeAll(descriptor, frame) }
    }
}
