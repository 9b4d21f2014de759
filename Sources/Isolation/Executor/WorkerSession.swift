import Logging
import PluginHost
import CIsolation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// One worker run as the daemon watches it: reads its messages and output, escalates a stop request to
/// SIGTERM then SIGKILL, reaps it and tells how it ended. Used by one thread; never shared.
struct WorkerSession {
    let job: WorkerJob
    let executable: String
    let pid: pid_t
    let control: RunControl
    let logger: Logger
    let stopCheckInterval: Duration
    let channels: WorkerChannels

    private var decoder = FrameDecoder()
    private var tail: LogTail
    private var hello: HelloMessage?
    private var appliedLimits: LimitsMessage?
    private var result: ResultMessage?
    private var failure: FailureMessage?
    private var crashNote: CrashNoteMessage?
    private var protocolProblem: String?
    private var escalation = StopEscalation.none
    private var killDeadline: UInt64?

    init(job: WorkerJob, executable: String, pid: pid_t, control: RunControl, logger: Logger, tailLines: Int,
         stopCheckInterval: Duration, channels: WorkerChannels) {
        self.job = job
        self.executable = executable
        self.pid = pid
        self.control = control
        self.logger = logger
        self.stopCheckInterval = stopCheckInterval
        self.channels = channels
        self.tail = LogTail(capacity: tailLines)
    }

    /// Watches the worker until it ended and was reaped.
    mutating func supervise() -> WorkerReport {
        let pidfd = hk_pidfd_open(pid)
        defer { Posix.close(pidfd) }
        var messagesOpen = true
        var outputOpen = true
        var status: hk_exit_status?
        let tick = Int32(max(1, stopCheckInterval.components.seconds * 1000
            + stopCheckInterval.components.attoseconds / 1_000_000_000_000_000))
        while status == nil {
            escalateIfNeeded()
            var timeout = tick
            if let killDeadline {
                let now = Posix.monotonicNanoseconds()
                timeout = now >= killDeadline ? 0 : Int32(min(UInt64(tick), (killDeadline - now) / 1_000_000 + 1))
            }
            let ready = Posix.poll([messagesOpen ? channels.messageRead : -1, outputOpen ? channels.outputRead : -1,
                                    pidfd], timeoutMilliseconds: timeout)
            if ready[0] { messagesOpen = drainMessages() }
            if ready[1] { outputOpen = drainOutput() }
            if pidfd < 0 || ready[2] { status = Self.reapIfEnded(pid) }
        }
        // The worker is gone; take what it wrote last.
        if messagesOpen { _ = drainMessages() }
        if outputOpen { _ = drainOutput() }
        if let line = tail.finishStream(label: "stdout") { logger.info("worker.stdout", metadata: ["line": "\(line)"]) }
        return report(status!)
    }

    /// When `pid` has ended: kills what it left running in its process group (while the unreaped worker still
    /// holds the group id, so no unrelated group can be hit), then reaps it. `nil` while it still runs.
    static func reapIfEnded(_ pid: pid_t) -> hk_exit_status? {
        let ended = hk_has_exited(pid)
        guard ended != 0 else { return nil }
        if ended == 1 { Posix.signalGroup(pid, SIGKILL) }
        var exit = hk_exit_status()
        switch hk_wait(pid, 1, &exit) {
        case 1: return exit
        case 0: return nil
        default:
            // Not our child any more (someone reaped it, or SIGCHLD is ignored): its status is lost.
            exit.exited = 1
            exit.code = -1
            return exit
        }
    }

    /// Sends SIGTERM once a stop was requested, and SIGKILL `timeout_grace` later.
    private mutating func escalateIfNeeded() {
        switch escalation {
        case .none where control.isStopRequested:
            Posix.signalGroup(pid, SIGTERM)
            escalation = .terminated
            let (seconds, attoseconds) = job.timeoutGrace.components
            killDeadline = Posix.monotonicNanoseconds() + UInt64(max(0, seconds)) * 1_000_000_000
                + UInt64(max(0, attoseconds / 1_000_000_000))
            logger.debug("worker.stop.sent", metadata: ["worker.pid": "\(pid)", "signal": "SIGTERM"])
        case .terminated:
            if let killDeadline, Posix.monotonicNanoseconds() >= killDeadline {
                Posix.signalGroup(pid, SIGKILL)
                escalation = .killed
                self.killDeadline = nil
                logger.warning("worker.killed", metadata: [
                    "worker.pid": "\(pid)", "timeout_grace": "\(job.timeoutGrace)",
                ])
            }
        default:
            break
        }
    }

    /// Reads and handles every available message; returns whether the pipe is still open.
    private mutating func drainMessages() -> Bool {
        while true {
            switch Posix.read(channels.messageRead) {
            case .bytes(let bytes):
                for frame in decoder.append(bytes) { handle(frame) }
                if let violation = decoder.violation, protocolProblem == nil { protocolProblem = violation }
            case .wouldBlock: return true
            case .endOfFile: return false
            }
        }
    }

    /// Reads the worker's stdout/stderr, logging each complete line; returns whether the pipe is still open.
    private mutating func drainOutput() -> Bool {
        while true {
            switch Posix.read(channels.outputRead) {
            case .bytes(let bytes):
                for line in tail.appendStream(bytes, label: "stdout") {
                    logger.info("worker.stdout", metadata: ["line": "\(line)"])
                }
            case .wouldBlock: return true
            case .endOfFile: return false
            }
        }
    }

    private mutating func handle(_ frame: FrameDecoder.Frame) {
        guard protocolProblem == nil else { return }
        switch WorkerProtocol.Kind(rawValue: frame.kind) {
        case .hello:
            guard let message = frame.decode(HelloMessage.self) else { return invalid(frame) }
            if message.version != WorkerProtocol.version {
                protocolProblem = "the worker speaks protocol version \(message.version), the daemon \(WorkerProtocol.version)"
            }
            hello = message
        case .log:
            guard let message = frame.decode(LogMessage.self) else { return invalid(frame) }
            let level = Logger.Level(rawValue: message.level) ?? .info
            logger.log(level: level, "\(message.message)")
            tail.append("[\(message.level)] \(message.message)")
        case .progress:
            guard let message = frame.decode(ProgressMessage.self) else { return invalid(frame) }
            control.relayProgress(RunProgress(fraction: message.fraction, message: message.message))
        case .output:
            guard let message = frame.decode(OutputMessage.self) else { return invalid(frame) }
            control.relayOutput(message.output, truncated: message.truncated)
        case .result:
            guard let message = frame.decode(ResultMessage.self) else { return invalid(frame) }
            result = message
        case .failure:
            guard let message = frame.decode(FailureMessage.self) else { return invalid(frame) }
            failure = message
        case .crashNote:
            guard let message = frame.decode(CrashNoteMessage.self) else { return invalid(frame) }
            crashNote = message
        case .limits:
            guard let message = frame.decode(LimitsMessage.self) else { return invalid(frame) }
            appliedLimits = message
        case .request, .descriptor, nil:
            protocolProblem = "an unexpected message of kind 0x\(String(frame.kind, radix: 16))"
        }
    }

    private mutating func invalid(_ frame: FrameDecoder.Frame) {
        protocolProblem = "an undecodable message of kind 0x\(String(frame.kind, radix: 16))"
    }

    /// Turns what was seen into the report.
    private func report(_ status: hk_exit_status) -> WorkerReport {
        let termination: WorkerTermination = status.signaled != 0 ? .signaled(status.signal) : .exited(status.code)
        let (completion, limit) = classify(status, termination: termination)
        switch completion {
        case .returned(let result):
            logger.debug("worker.finished", metadata: ["worker.pid": "\(pid)", "status": "\(result.status.name)"])
        case .crashed(let reason, _):
            logger.error("worker.crashed", metadata: ["worker.pid": "\(pid)", "reason": "\(reason)"])
        }
        return WorkerReport(
            completion: completion, termination: termination, escalation: escalation, limitExceeded: limit,
            lastLogLines: tail.lines, processID: pid, cpuMicroseconds: status.cpu_microseconds,
            peakResidentKiB: status.max_rss_kib)
    }

    /// The completion and the limit exceeded, if any. A result the worker reported stands even if the worker
    /// died afterwards (in `destroy`, say): the run itself was over.
    private func classify(_ status: hk_exit_status, termination: WorkerTermination)
        -> (WorkerCompletion, ResourceLimitKind?) {
        let output = control.output
        if protocolProblem == nil, let result {
            var message = result.message
            var limit: ResourceLimitKind?
            if let ceiling = result.addressSpaceLimit,
               Self.isNear(result.peakAddressSpace, ceiling, allowance: job.limits.memoryBytes) {
                limit = .memory
                message += (message.isEmpty ? "" : " ") + "(the memory limit was reached: "
                    + "limits.memory \(Self.bytes(job.limits.memoryBytes ?? 0)))"
            }
            if let files = job.limits.openFiles, let open = result.openDescriptors, open + 4 >= Int(files) {
                limit = .openFiles
                message += (message.isEmpty ? "" : " ") + "(the open-files limit was reached: limits.open_files "
                    + "\(files), \(open) descriptors open)"
            }
            if termination != .exited(0) {
                logger.warning("worker.ended.after.result", metadata: ["termination": "\(termination)"])
            }
            return (.returned(RunResult(status: PluginStatus(code: result.status), message: message, output: output)),
                    limit)
        }
        if protocolProblem == nil, let failure {
            let prefix = failure.stage == "create" ? "create failed in the worker: " : "the worker could not load "
                + "the plugin: "
            return (.returned(RunResult(status: PluginStatus(code: failure.status), message: prefix + failure.message,
                                        output: output)), nil)
        }
        let suffix = tail.suffix
        if let protocolProblem {
            return (.crashed(reason: "broken worker protocol: \(protocolProblem); the worker \(Self.ended(termination))"
                + suffix, output: output), nil)
        }
        if status.signaled != 0 {
            let signal = status.signal
            let name = Posix.signalName(signal)
            if signal == SIGKILL, escalation == .killed {
                return (.crashed(reason: "the worker ignored the stop request and was killed with SIGKILL after "
                    + "timeout_grace (\(job.timeoutGrace))" + suffix, output: output), nil)
            }
            if signal == SIGTERM, escalation != .none {
                // The stop request's own SIGTERM ended the worker before the plugin could answer it (a worker
                // stopped as it starts, before its handler turns SIGTERM into should_stop): the run stopped on
                // request, it did not crash. The scheduler records it as the stop's reason says (cancelled,
                // timed out, or cancelled at shutdown).
                return (.returned(RunResult(
                    status: .cancelled, message: "stopped on request: the worker ended on SIGTERM" + suffix,
                    output: output)), nil)
            }
            if let cpu = job.limits.cpuSeconds,
               signal == SIGXCPU || (signal == SIGKILL && status.cpu_microseconds >= Int64(cpu) * 1_000_000) {
                let used = Double(status.cpu_microseconds) / 1_000_000
                return (.crashed(reason: "CPU limit exceeded (limits.cpu_seconds \(cpu)): the worker was stopped by "
                    + "\(name) after \(Self.seconds(used)) of CPU time" + suffix, output: output), .cpuSeconds)
            }
            if let note = crashNote, let ceiling = appliedLimits?.addressSpaceLimit,
               Self.isNear(note.addressSpace, ceiling, allowance: job.limits.memoryBytes) {
                return (.crashed(reason: "memory limit exceeded (limits.memory \(Self.bytes(job.limits.memoryBytes ?? 0))): "
                    + "the worker died of \(name) with \(Self.bytes(note.addressSpace)) of address space mapped"
                    + suffix, output: output), .memory)
            }
            let meaning = Posix.signalMeaning(signal).map { " (\($0))" } ?? ""
            return (.crashed(reason: "\(name)\(meaning): the worker died of a signal" + suffix, output: output), nil)
        }
        if hello == nil {
            return (.crashed(reason: "the worker exited with code \(status.code) before speaking the protocol (is "
                + "\(executable) a housekeeper binary with a worker mode?)"
                + suffix, output: output), nil)
        }
        return (.crashed(reason: "exit code \(status.code): the plugin ended the worker process (exit() in plugin "
            + "code?) before its run returned" + suffix, output: output), nil)
    }

    /// Whether `used` bytes of address space came within a quarter of the allowance (`limits.memory`, at most
    /// 64 MiB) of `ceiling`: an allocation failed there. Measured against the allowance, not the whole ceiling
    /// (which includes what the worker had mapped before the limit): with a small limit, a run that used little
    /// of it is not reported as having reached it.
    private static func isNear(_ used: UInt64, _ ceiling: UInt64, allowance: UInt64?) -> Bool {
        used + min(64 << 20, (allowance ?? ceiling) / 4) >= ceiling
    }

    private static func ended(_ termination: WorkerTermination) -> String {
        switch termination {
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal): "died of \(Posix.signalName(signal))"
        case .notStarted(let message): "did not start (\(message))"
        }
    }

    /// `512 MiB`, `1.5 GiB`.
    static func bytes(_ count: UInt64) -> String {
        if count >= 1 << 30, count % (1 << 30) == 0 { return "\(count >> 30) GiB" }
        if count >= 1 << 30 { return "\(Double(count * 10 >> 30) / 10) GiB" }
        if count >= 1 << 20 { return "\(count >> 20) MiB" }
        return "\(count) bytes"
    }

    private static func seconds(_ value: Double) -> String {
        "\(Double(Int(value * 10)) / 10) s"
    }
}
