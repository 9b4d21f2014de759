import CIsolation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// One probe process as the daemon watches it, until it reported, died or ran out of time.
struct ProbeSession {
    let pid: pid_t
    let channels: WorkerChannels
    let timeLimit: Duration

    /// Waits for the probe and returns its verdict; a probe that outlives `timeLimit` is killed.
    func watch() -> ProbeVerdict {
        let pidfd = hk_pidfd_open(pid)
        defer { Posix.close(pidfd) }
        let (seconds, attoseconds) = timeLimit.components
        let deadline = Posix.monotonicNanoseconds() + UInt64(max(0, seconds)) * 1_000_000_000
            + UInt64(max(0, attoseconds / 1_000_000_000))
        var decoder = FrameDecoder()
        var tail = LogTail(capacity: 4)
        var frames: [FrameDecoder.Frame] = []
        var status: hk_exit_status?
        var timedOut = false
        var messagesOpen = true
        var outputOpen = true
        while status == nil {
            let now = Posix.monotonicNanoseconds()
            if now >= deadline, !timedOut {
                Posix.signalGroup(pid, SIGKILL)
                timedOut = true
            }
            let wait = timedOut ? Int32(20) : Int32(min(20, (deadline - now) / 1_000_000 + 1))
            let ready = Posix.poll([messagesOpen ? channels.messageRead : -1, outputOpen ? channels.outputRead : -1,
                                    pidfd], timeoutMilliseconds: wait)
            if ready[0] {
                switch Posix.read(channels.messageRead) {
                case .bytes(let bytes): frames += decoder.append(bytes)
                case .wouldBlock: break
                case .endOfFile: messagesOpen = false
                }
            }
            if ready[1] {
                switch Posix.read(channels.outputRead) {
                case .bytes(let bytes): _ = tail.appendStream(bytes, label: "output")
                case .wouldBlock: break
                case .endOfFile: outputOpen = false
                }
            }
            if pidfd < 0 || ready[2] || timedOut { status = WorkerSession.reapIfEnded(pid) }
        }
        while case .bytes(let bytes) = Posix.read(channels.messageRead) { frames += decoder.append(bytes) }
        while case .bytes(let bytes) = Posix.read(channels.outputRead) { _ = tail.appendStream(bytes, label: "output") }
        _ = tail.finishStream(label: "output")
        return verdict(frames: frames, status: status!, timedOut: timedOut, tail: tail)
    }

    private func verdict(frames: [FrameDecoder.Frame], status: hk_exit_status, timedOut: Bool, tail: LogTail)
        -> ProbeVerdict {
        for frame in frames {
            switch WorkerProtocol.Kind(rawValue: frame.kind) {
            case .descriptor:
                if let found = frame.decode(DescriptorMessage.self) {
                    return .accepted(ProbedDescriptor(name: found.name, version: found.version, summary: found.summary,
                                                      abiVersion: found.abiVersion, fingerprint: found.fingerprint))
                }
            case .failure:
                if let failure = frame.decode(FailureMessage.self) { return .rejected(failure.message) }
            default:
                continue
            }
        }
        if timedOut {
            return .rejected("the probe hung: loading the file did not finish within \(timeLimit) (a loop in a "
                + "constructor or in the entry function?)" + tail.suffix)
        }
        if status.signaled != 0 {
            let meaning = Posix.signalMeaning(status.signal).map { " (\($0))" } ?? ""
            return .rejected("the probe crashed with \(Posix.signalName(status.signal))\(meaning) while loading the "
                + "file (in a constructor or in the entry function)" + tail.suffix)
        }
        return .rejected("the probe exited with code \(status.code) while loading the file without reporting "
            + "(exit() in a constructor or in the entry function?)" + tail.suffix)
    }
}
