public import Logging
public import PluginHost
import CIsolation
#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// Runs a plugin in a short-lived worker process: `posix_spawn` of the daemon's own executable with a hidden
/// `worker` subcommand, never fork-and-continue.
///
/// The worker gets a clean environment (the task's `env:` plus a default `PATH`), the task's working directory,
/// its own process group, and every signal at its default. It applies the task's `limits:` with `setrlimit`,
/// loads the same private plugin copy, calls `create`, `run` and `destroy` once, and streams log lines,
/// progress, output and the final status back over a pipe (`WorkerProtocol`). A stop request on the
/// `RunControl` (timeout, shutdown, cancel) sends SIGTERM, which the worker turns into `should_stop`;
/// `timeout_grace` later the whole process group gets SIGKILL.
///
/// `execute` is blocking: call it on a host-owned thread. The executor itself holds no state.
public struct WorkerProcessExecutor: Sendable {
    /// The executable to spawn (the daemon's own, by default).
    public var executable: String
    /// The arguments that select worker mode (`["worker"]` for `housekeeper`).
    public var arguments: [String]
    /// How often the stop flag is looked at while the worker runs (it has no notification of its own).
    public var stopCheckInterval: Duration
    /// How many log lines end up in a crash reason.
    public var tailLines: Int

    /// The `PATH` a worker gets unless the task's `env:` sets one.
    public static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// Creates an executor.
    /// - Parameters:
    ///   - executable: the program to spawn; defaults to this process's own executable (`/proc/self/exe`, the very
    ///     binary running, even if the file was replaced since).
    ///   - arguments: the arguments selecting worker mode, e.g. `["worker"]`.
    ///   - stopCheckInterval: how often the stop flag is checked.
    ///   - tailLines: how many of the worker's last log lines a crash reason quotes.
    public init(executable: String? = nil, arguments: [String] = ["worker"],
                stopCheckInterval: Duration = .milliseconds(20), tailLines: Int = 8) {
        self.executable = executable ?? Posix.ownExecutable
        self.arguments = arguments
        self.stopCheckInterval = stopCheckInterval
        self.tailLines = tailLines
    }

    /// Runs `job` in a new worker and waits until the worker is gone.
    /// - Parameters:
    ///   - job: what to run.
    ///   - control: the run's stop flag; output and progress from the worker are relayed into it.
    ///   - logger: where the plugin's log lines and the worker's stdout/stderr go.
    /// - Returns: how it ended, with the worker's exit status, resource use and last log lines.
    public func execute(_ job: WorkerJob, control: RunControl, logger: Logger) -> WorkerReport {
        var logger = logger
        logger[metadataKey: "task.name"] = "\(job.taskName)"
        logger[metadataKey: "plugin.name"] = "\(job.pluginName)"
        if let request = job.request { logger[metadataKey: "run.id"] = "\(request.runID)" }
        if control.isStopRequested {
            return WorkerReport(
                completion: .returned(RunResult(status: .cancelled, message: "stopped before the worker started",
                                                output: nil)),
                termination: .notStarted("stop requested"), escalation: .none, limitExceeded: nil,
                lastLogLines: [], processID: 0, cpuMicroseconds: 0, peakResidentKiB: 0)
        }
        let channels: WorkerChannels
        do {
            channels = try WorkerChannels.make()
        } catch {
            return notStarted("cannot create the worker's pipes: \(error)", logger: logger)
        }
        var environment = job.environment
        environment["PATH"] = environment["PATH"] ?? Self.defaultPath
        // The Swift runtime's backtracer would spend seconds symbolicating a plugin's crash.
        environment["SWIFT_BACKTRACE"] = environment["SWIFT_BACKTRACE"] ?? "enable=no"
        let spawned = Spawner.spawn(
            executable: executable, arguments: arguments, environment: environment,
            workingDirectory: job.workingDirectory, descriptors: channels.childDescriptors)
        channels.closeChildEnds()
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let error):
            channels.closeParentEnds()
            return notStarted(error.description, logger: logger)
        }
        logger.debug("worker.started", metadata: ["worker.pid": "\(pid)"])
        let request = WorkerRequest(job: job, orphanGrace: job.timeoutGrace)
        Posix.writeAll(channels.requestWrite, WorkerProtocol.frame(.request, request), socket: true)
        var session = WorkerSession(job: job, executable: executable, pid: pid, control: control, logger: logger,
                                    tailLines: tailLines,
                                    stopCheckInterval: stopCheckInterval, channels: channels)
        let report = session.supervise()
        channels.closeParentEnds()
        return report
    }

    private func notStarted(_ message: String, logger: Logger) -> WorkerReport {
        logger.error("worker.spawn.failed", metadata: ["error": "\(message)"])
        return WorkerReport(
            completion: .returned(RunResult(
                status: .error, message: "cannot start the worker process \(executable): \(message)", output: nil)),
            termination: .notStarted(message), escalation: .none, limitExceeded: nil, lastLogLines: [],
            processID: 0, cpuMicroseconds: 0, peakResidentKiB: 0)
    }
}

extension WorkerRequest {
    /// The request for `job`.
    init(job: WorkerJob, orphanGrace: Duration) {
        let run = job.request.map {
            RunFields(runID: $0.runID, scheduledAt: $0.scheduledAt, startedAt: $0.startedAt, attempt: $0.attempt,
                      trigger: $0.trigger.rawValue, contextJSON: $0.contextJSON, deadline: $0.deadline)
        }
        let (seconds, attoseconds) = orphanGrace.components
        self.init(
            version: WorkerProtocol.version, pluginPath: job.pluginPath, sourcePath: job.sourcePath,
            pluginName: job.pluginName, taskName: job.taskName, configJSON: job.configJSON,
            stateDirectory: job.stateDirectory, run: run, memoryBytes: job.limits.memoryBytes,
            cpuSeconds: job.limits.cpuSeconds, openFiles: job.limits.openFiles,
            orphanGraceMilliseconds: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

/// The descriptors between the daemon and one worker.
struct WorkerChannels: Sendable {
    /// The daemon's end of the request socket (the worker's stdin).
    let requestWrite: Int32
    /// The worker's end of it.
    let requestRead: Int32
    /// The daemon's end of the stdout/stderr pipe.
    let outputRead: Int32
    /// The worker's end (its descriptors 1 and 2).
    let outputWrite: Int32
    /// The daemon's end of the message pipe.
    let messageRead: Int32
    /// The worker's end (its descriptor 3).
    let messageWrite: Int32

    static func make() throws(PosixError) -> WorkerChannels {
        let request = try Posix.socketPair()
        var opened = [request.0, request.1]
        do throws(PosixError) {
            let output = try Posix.pipe()
            opened += [output.read, output.write]
            let message = try Posix.pipe()
            Posix.setNonBlocking(output.read)
            Posix.setNonBlocking(message.read)
            return WorkerChannels(requestWrite: request.0, requestRead: request.1, outputRead: output.read,
                                  outputWrite: output.write, messageRead: message.read, messageWrite: message.write)
        } catch {
            for fd in opened { Posix.close(fd) }  // no descriptor leaks when the process runs out of them
            throw error
        }
    }

    /// The worker's descriptors 0, 1, 2 and 3.
    var childDescriptors: [Int32] { [requestRead, outputWrite, outputWrite, messageWrite] }

    func closeChildEnds() {
        for fd in [requestRead, outputWrite, messageWrite] { Posix.close(fd) }
    }

    func closeParentEnds() {
        for fd in [requestWrite, outputRead, messageRead] { Posix.close(fd) }
    }
}

/// `hk_spawn` with Swift strings.
enum Spawner {
    /// Starts `executable` with descriptors 0...3 set to `descriptors`.
    static func spawn(executable: String, arguments: [String], environment: [String: String],
                      workingDirectory: String?, descriptors: [Int32]) -> Result<pid_t, PosixError> {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let code = descriptors.withUnsafeBufferPointer { fds in
            argv.withUnsafeBufferPointer { argvBuffer in
                envp.withUnsafeBufferPointer { envpBuffer in
                    if let workingDirectory {
                        return workingDirectory.withCString { cwd in
                            hk_spawn(executable, argvBuffer.baseAddress, envpBuffer.baseAddress, cwd,
                                     fds.baseAddress, &pid)
                        }
                    }
                    return hk_spawn(executable, argvBuffer.baseAddress, envpBuffer.baseAddress, nil,
                                    fds.baseAddress, &pid)
                }
            }
        }
        guard code == 0 else {
            let subject = workingDirectory.map { " (working directory \($0))" } ?? ""
            return .failure(PosixError(operation: "posix_spawn \(executable)\(subject)", code: code))
        }
        return .success(pid)
    }
}
