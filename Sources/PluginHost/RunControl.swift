import Synchronization

/// The state shared between a running plugin call and the host: the stop flag, the output and the progress.
///
/// Make one per run. Every member is safe from any thread: the host raises the stop flag from its scheduler
/// while the plugin's callbacks store output and progress from the plugin's threads.
public final class RunControl: Sendable {
    /// The most output bytes kept (`HK_OUTPUT_MAX`); longer output is cut and `outputWasTruncated` is set.
    public static let outputLimit = 65_536

    private let stop = Atomic<Bool>(false)
    /// Whether output was ever stored: read before the lock, so a run that set none (most) reads the control and
    /// takes no lock. The lock's compare-and-swap on a control made by the scheduler's thread was a cache miss for
    /// ownership, most of a no-op call's time on its pool thread (perf annotate, steady workload).
    private let hasOutput = Atomic<Bool>(false)
    private let state = Mutex(State())
    private let progressObserver: (@Sendable (RunProgress) -> Void)?

    private struct State {
        var output: String?
        var outputWasTruncated = false
        var progress: RunProgress?
    }

    /// Creates a control with the stop flag down.
    public init() {
        progressObserver = nil
    }

    /// Creates a control that also hands every progress report to `onProgress` as it happens (a worker process
    /// streams them to the daemon this way). `onProgress` runs on the reporting plugin thread, outside any lock.
    public init(onProgress: @escaping @Sendable (RunProgress) -> Void) {
        progressObserver = onProgress
    }

    /// Raises `should_stop` for the run (idempotent, any thread). The flag never goes down again.
    public func requestStop() {
        stop.store(true, ordering: .releasing)
    }

    /// Whether stop was requested.
    public var isStopRequested: Bool { stop.load(ordering: .acquiring) }

    /// The last output the plugin set, if any.
    public var output: String? {
        guard hasOutput.load(ordering: .acquiring) else { return nil }
        return state.withLock { $0.output }
    }

    /// Whether the last output was longer than `outputLimit` and was cut.
    public var outputWasTruncated: Bool { state.withLock { $0.outputWasTruncated } }

    /// The last progress the plugin reported, if any.
    public var progress: RunProgress? { state.withLock { $0.progress } }

    /// Stores output bytes, keeping at most `outputLimit` of them (cut at a UTF-8 character boundary).
    /// - Returns: whether the output was truncated.
    @discardableResult
    func setOutput(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var count = bytes.count
        let truncated = count > Self.outputLimit
        if truncated {
            count = Self.outputLimit
            // Step back over UTF-8 continuation bytes so a character is not split.
            while count > 0, bytes[count] & 0xC0 == 0x80 { count -= 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<count]), as: UTF8.self)
        state.withLock {
            $0.output = text
            $0.outputWasTruncated = truncated
        }
        hasOutput.store(true, ordering: .releasing)
        return truncated
    }

    /// Stores a progress report; a negative or non-finite fraction means unknown, others are clamped to [0, 1].
    func setProgress(fraction: Double, message: String?) {
        let known = fraction.isFinite && fraction >= 0 ? min(fraction, 1) : nil
        relayProgress(RunProgress(fraction: known, message: message))
    }

    /// Stores output that a run elsewhere (a worker process) produced, as if the plugin had set it here.
    /// - Parameters:
    ///   - output: the output, already cut to `outputLimit` bytes by the producer.
    ///   - truncated: whether the producer cut it.
    public func relayOutput(_ output: String, truncated: Bool) {
        state.withLock {
            $0.output = output
            $0.outputWasTruncated = truncated
        }
        hasOutput.store(true, ordering: .releasing)
    }

    /// Stores a progress report that a run elsewhere (a worker process) produced.
    public func relayProgress(_ progress: RunProgress) {
        state.withLock { $0.progress = progress }
        progressObserver?(progress)
    }
}
