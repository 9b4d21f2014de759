import HousekeeperPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended.
struct ChildOutcome: Sendable {
    /// The exit code, when it exited.
    var exitCode: Int32?
    /// The signal that ended it, when one did.
    var signal: Int32?
    /// Whether it was stopped because the run's timeout passed.
    var timedOut = false
    /// Whether it was stopped because the host asked (`should_stop`).
    var stopped = false
    /// Whether SIGKILL had to be sent after SIGTERM was ignored for the grace period.
    var killed = false
    /// Standard output (the end of it, when longer than the limit).
    var stdout: CappedBuffer
    /// Standard error (the end of it, when longer than the limit).
    var stderr: CappedBuffer
    /// Wall time from spawn to exit, in milliseconds.
    var durationMilliseconds: Double = 0
    /// The child's process id (also its process group id).
    var pid: pid_t = 0
}

/// What to run and how.
struct ChildSpec: Sendable {
    /// argv; `arguments[0]` is looked up in PATH unless it contains `/`.
    var arguments: [String]
    /// The complete environment, `NAME=value` strings.
    var environment: [String]
    /// The working directory, or `nil` for the host's.
    var workingDirectory: String?
    /// Bytes written to standard input (then closed); `nil` connects /dev/null.
    var stdin: [UInt8]?
    /// Seconds before the child is stopped, or `nil`.
    var timeout: Double?
    /// Seconds between SIGTERM and SIGKILL.
    var killAfter: Double
    /// The most bytes kept per output stream.
    var outputLimit: Int
}

/// Runs one child process in its own process group with `posix_spawn`, feeding its standard input and
/// collecting its output through non-blocking pipes. On a timeout or a stop request the whole group gets
/// SIGTERM, then SIGKILL after the grace period. All waiting is `poll` with a short timeout, so the stop flag is
/// seen within 50 ms.
enum ChildProcess {
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?,
                                                 UnsafePointer<CChar>?) -> Int32

    /// Runs `spec` to completion.
    /// - Parameters:
    ///   - spec: what to run.
    ///   - shouldStop: polled while the child runs.
    ///   - started: called with the pid once the child runs.
    /// - Throws: `.permanent` when the child cannot be started.
    static func run(_ spec: ChildSpec, shouldStop: () -> Bool, started: (pid_t) -> Void) throws(PluginError) -> ChildOutcome {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPipe: [Int32] = [-1, -1]
        // Socket pairs rather than pipes: created close-on-exec atomically (Swift's Glibc does not import pipe2),
        // so a child another thread spawns meanwhile cannot inherit them; and send(MSG_NOSIGNAL) to a child that
        // exited fails with EPIPE instead of raising SIGPIPE in the host.
        func channel(_ fds: inout [Int32]) -> Bool {
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0
        }
        guard channel(&outPipe), channel(&errPipe), spec.stdin == nil || channel(&inPipe)
        else {
            let problem = describe(errno)
            for fd in outPipe + errPipe + inPipe where fd >= 0 { close(fd) }
            throw PluginError(.error, "command: cannot create pipes: \(problem)")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if spec.stdin != nil {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if let directory = spec.workingDirectory {
            // glibc ≥ 2.29 has it; Swift's Glibc module does not import the _np declaration, so look it up.
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
            else { throw PluginError(.permanent, "working_directory: this C library cannot set it for a child") }
            _ = directory.withCString { unsafeBitCast(symbol, to: AddChdir.self)(&actions, $0) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (so a stop reaches its children), default signal actions and an empty mask (the
        // host blocks or ignores some signals, and children would inherit that).
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF
                                                    | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let argv = CStringArray(spec.arguments)
        let envp = CStringArray(spec.environment)
        let spawned = spec.arguments[0].contains("/")
            ? posix_spawn(&pid, spec.arguments[0], &actions, &attributes, argv.pointers, envp.pointers)
            : posix_spawnp(&pid, spec.arguments[0], &actions, &attributes, argv.pointers, envp.pointers)
        close(outPipe[1])
        close(errPipe[1])
        if spec.stdin != nil { close(inPipe[0]) }
        guard spawned == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            if spec.stdin != nil { close(inPipe[1]) }
            let hint = spawned == ENOENT && spec.workingDirectory != nil ? " (or working_directory is missing)" : ""
            throw PluginError(.permanent, "command: cannot start \(spec.arguments[0]): \(describe(spawned))\(hint)")
        }
        started(pid)
        var io = ChildIO(stdout: outPipe[0], stderr: errPipe[0], stdin: spec.stdin == nil ? -1 : inPipe[1],
                         input: spec.stdin ?? [], limit: spec.outputLimit)
        defer { io.closeAll() }
        return supervise(pid: pid, spec: spec, io: &io, shouldStop: shouldStop)
    }

    private static func supervise(pid: pid_t, spec: ChildSpec, io: inout ChildIO,
                                  shouldStop: () -> Bool) -> ChildOutcome {
        let start = monotonicSeconds()
        var termSentAt: Double?
        var outcome = ChildOutcome(stdout: CappedBuffer(limit: spec.outputLimit),
                                   stderr: CappedBuffer(limit: spec.outputLimit))
        outcome.pid = pid
        while true {
            io.pump(timeoutMilliseconds: 50)
            var status: Int32 = 0
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid || (waited < 0 && errno == ECHILD) {
                io.drain()
                if waited == pid {
                    if status & 0x7F == 0 { outcome.exitCode = (status >> 8) & 0xFF } else { outcome.signal = status & 0x7F }
                }
                if termSentAt != nil { kill(-pid, SIGKILL) }  // stragglers left in the group
                break
            }
            let now = monotonicSeconds()
            if let sentAt = termSentAt {
                if !outcome.killed && now - sentAt >= spec.killAfter {
                    kill(-pid, SIGKILL)
                    outcome.killed = true
                }
            } else if shouldStop() {
                outcome.stopped = true
                kill(-pid, SIGTERM)
                termSentAt = now
            } else if let timeout = spec.timeout, now - start >= timeout {
                outcome.timedOut = true
                kill(-pid, SIGTERM)
                termSentAt = now
            }
        }
        outcome.durationMilliseconds = ((monotonicSeconds() - start) * 1000).rounded()
        outcome.stdout = io.stdoutBuffer
        outcome.stderr = io.stderrBuffer
        return outcome
    }

    /// Seconds on the monotonic clock.
    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// The parent's ends of the three pipes.
struct ChildIO {
    var stdoutFD: Int32
    var stderrFD: Int32
    var stdinFD: Int32
    var input: [UInt8]
    var written = 0
    var stdoutBuffer: CappedBuffer
    var stderrBuffer: CappedBuffer

    init(stdout: Int32, stderr: Int32, stdin: Int32, input: [UInt8], limit: Int) {
        stdoutFD = stdout
        stderrFD = stderr
        stdinFD = stdin
        self.input = input
        stdoutBuffer = CappedBuffer(limit: limit)
        stderrBuffer = CappedBuffer(limit: limit)
        for fd in [stdout, stderr, stdin] where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        if stdinFD >= 0 && input.isEmpty { closeStdin() }
    }

    /// Waits up to `timeoutMilliseconds` for the pipes, then reads and writes what is ready.
    mutating func pump(timeoutMilliseconds: Int32) {
        var fds: [pollfd] = []
        if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
        if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
        if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
        if fds.isEmpty {
            // Nothing left to watch: just wait for the exit.
            var request = timespec(tv_sec: 0, tv_nsec: Int(timeoutMilliseconds) * 1_000_000)
            nanosleep(&request, nil)
            return
        }
        guard poll(&fds, nfds_t(fds.count), timeoutMilliseconds) > 0 else { return }
        for entry in fds where entry.revents != 0 {
            if entry.fd == stdinFD { writeInput() } else { read(entry.fd) }
        }
    }

    /// Reads whatever is still buffered in the output pipes.
    mutating func drain() {
        if stdoutFD >= 0 { read(stdoutFD) }
        if stderrFD >= 0 { read(stderrFD) }
    }

    private mutating func read(_ fd: Int32) {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                chunk.withUnsafeBytes { bytes in
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[0..<count])
                    if fd == stdoutFD { stdoutBuffer.append(slice) } else { stderrBuffer.append(slice) }
                }
                continue
            }
            if count < 0 && (errno == EINTR) { continue }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                // End of file (or a broken pipe): stop watching it.
                close(fd)
                if fd == stdoutFD { stdoutFD = -1 } else { stderrFD = -1 }
            }
            return
        }
    }

    private mutating func writeInput() {
        let count = input.withUnsafeBytes {
            send(stdinFD, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL))
        }
        if count > 0 { written += count }
        if (count < 0 && errno != EAGAIN && errno != EINTR) || written == input.count { closeStdin() }
    }

    private mutating func closeStdin() {
        close(stdinFD)
        stdinFD = -1
    }

    mutating func closeAll() {
        for fd in [stdoutFD, stderrFD, stdinFD] where fd >= 0 { close(fd) }
        stdoutFD = -1
        stderrFD = -1
        stdinFD = -1
    }
}

/// A NULL-terminated array of C strings for argv/envp, freed with the value.
final class CStringArray {
    /// The array, ready for `posix_spawn`.
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[count] = nil
    }

    deinit {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
}
