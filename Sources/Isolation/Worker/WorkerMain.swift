import Foundation
import CIsolation
import Logging
import PluginHost

/// The worker process's side of `WorkerProtocol`: what the hidden `housekeeper worker` subcommand runs.
///
/// Reads one request from standard input, loads the plugin copy, applies the limits (they bound the plugin's
/// `create`, `run` and `destroy`, not the loading of its file), calls `create`, `run` and `destroy` once and reports
/// everything on descriptor 3. SIGTERM raises `should_stop`; if the daemon goes away
/// (standard input closes) the run is asked to stop and the worker exits after the grace period.
/// - Parameter arguments: the subcommand's arguments (`--protocol N` is checked when present).
/// - Returns: the process exit code: 0 after a report, 64 for a protocol mismatch, 65 when no request came,
///   70 when the plugin could not be loaded, 71 when the daemon went away during the run.
public func runWorker(arguments: [String]) -> Int32 {
    // One malloc arena: a thread's first allocation would otherwise reserve a fresh 64 MiB arena, which under a
    // tight memory limit could use up the plugin's whole allowance (seen: a 64 MiB limit made dlopen fail).
    _ = hk_tune_malloc(1, 0)
    _ = hk_install_crash_note(WorkerProtocol.messageDescriptor)
    let stopPipe = hk_install_stop_pipe()
    let writer = MessageWriter(descriptor: WorkerProtocol.messageDescriptor)
    writer.send(.hello, HelloMessage(version: WorkerProtocol.version, pid: getpid()))
    if let index = arguments.firstIndex(of: "--protocol"), index + 1 < arguments.count,
       Int(arguments[index + 1]) != WorkerProtocol.version {
        writer.send(.failure, FailureMessage(stage: "protocol", status: 1,
                                             message: "worker speaks protocol \(WorkerProtocol.version)"))
        return 64
    }
    guard let request = WorkerRequestReader.read(descriptor: 0) else { return 65 }
    guard request.version == WorkerProtocol.version else {
        writer.send(.failure, FailureMessage(
            stage: "protocol", status: 1,
            message: "the daemon speaks protocol \(request.version), this worker \(WorkerProtocol.version)"))
        return 64
    }
    // Started before the limits apply: a tight memory limit must not keep the stop watcher's thread from starting.
    let control = RunControl { progress in
        writer.send(.progress, ProgressMessage(fraction: progress.fraction, message: progress.message))
    }
    StopWatcher.start(stopPipe: stopPipe, control: control, orphanGrace: request.orphanGraceMilliseconds)

    let plugin: LoadedPlugin
    switch PluginLoader.openDirect(path: request.pluginPath, sourcePath: request.sourcePath) {
    case .success(let loaded): plugin = loaded
    case .failure(let rejection):
        writer.send(.failure, FailureMessage(stage: "load", status: 1, message: rejection.reason))
        return 70
    }
    guard plugin.name == request.pluginName else {
        writer.send(.failure, FailureMessage(
            stage: "load", status: 1,
            message: "\(request.pluginPath) holds plugin \"\(plugin.name)\", not \"\(request.pluginName)\""))
        return 70
    }
    // After the load: mapping the plugin's file is the host's business, and under a tight memory limit the limit
    // would be measured against a process that has not mapped it yet.
    writer.send(.limits, WorkerLimits.apply(request))
    let logger = Logger(label: "housekeeper.worker") { _ in WorkerLogHandler(writer: writer) }
    let instance: PluginInstance
    switch plugin.makeInstance(taskName: request.taskName, configJSON: request.configJSON,
                               stateDirectory: request.stateDirectory, logger: logger) {
    case .success(let made): instance = made
    case .failure(let failure):
        writer.send(.failure, FailureMessage(stage: "create", status: failure.status.code, message: failure.message))
        return 0
    }
    guard let fields = request.run else {
        instance.destroy()
        writer.send(.result, ResultMessage(status: 0, message: "", peakAddressSpace: WorkerLimits.peakAddressSpace(),
                                           addressSpaceLimit: nil))
        return 0
    }
    let runRequest = RunRequest(
        taskName: request.taskName, runID: fields.runID, scheduledAt: fields.scheduledAt, startedAt: fields.startedAt,
        attempt: fields.attempt, trigger: RunTrigger(rawValue: fields.trigger) ?? .manual,
        contextJSON: fields.contextJSON, deadline: fields.deadline)
    let result = instance.run(runRequest, control: control, logger: logger)
    if let output = result.output {
        writer.send(.output, OutputMessage(output: output, truncated: control.outputWasTruncated))
    }
    writer.send(.result, ResultMessage(
        status: result.status.code, message: result.message, peakAddressSpace: WorkerLimits.peakAddressSpace(),
        addressSpaceLimit: request.memoryBytes == nil ? nil : WorkerLimits.appliedAddressSpaceLimit(),
        openDescriptors: request.openFiles == nil ? nil : WorkerLimits.openDescriptorCount()))
    instance.destroy()
    return 0
}

/// Reads the one request frame from the daemon.
enum WorkerRequestReader {
    /// The request, or `nil` when the stream ends first or is not a request.
    static func read(descriptor: Int32) -> WorkerRequest? {
        var decoder = FrameDecoder()
        while true {
            switch Posix.read(descriptor) {
            case .bytes(let bytes):
                if let frame = decoder.append(bytes).first {
                    guard frame.kind == WorkerProtocol.Kind.request.rawValue else { return nil }
                    return frame.decode(WorkerRequest.self)
                }
                if decoder.violation != nil { return nil }
            case .wouldBlock: continue
            case .endOfFile: return nil
            }
        }
    }
}

/// Applies a request's limits to the worker itself.
enum WorkerLimits {
    /// Sets the limits and says which were applied. The memory limit is an address-space limit of the worker's
    /// size right now plus `limits.memory`: the plugin gets that much, whatever the runtime already mapped.
    static func apply(_ request: WorkerRequest) -> LimitsMessage {
        var applied = LimitsMessage()
        if let memory = request.memoryBytes {
            let ceiling = hk_address_space_bytes() + memory
            if hk_set_limit(HK_LIMIT_ADDRESS_SPACE, ceiling, ceiling) == 0 { applied.addressSpaceLimit = ceiling }
        }
        if let cpu = request.cpuSeconds, hk_set_limit(HK_LIMIT_CPU, cpu, cpu + 1) == 0 {
            applied.cpuSeconds = cpu  // SIGXCPU at the limit, SIGKILL a second later
        }
        if let files = request.openFiles, hk_set_limit(HK_LIMIT_OPEN_FILES, files, files) == 0 {
            applied.openFiles = files
        }
        return applied
    }

    /// The address-space limit in force, if any.
    static func appliedAddressSpaceLimit() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return UInt64(limit.rlim_cur)
    }

    /// How many descriptors the process holds (entries of `/proc/self/fd`, less the one listing them); when not
    /// even one more can be opened to list them, the current limit.
    static func openDescriptorCount() -> Int? {
        guard let directory = opendir("/proc/self/fd") else {
            var limit = rlimit()
            guard errno == EMFILE, getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
                return nil
            }
            return Int(limit.rlim_cur)
        }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return max(0, count - 3)  // ".", ".." and the listing's own descriptor
    }

    /// `VmPeak` of `/proc/self/status` in bytes, or the current size when unavailable.
    static func peakAddressSpace() -> UInt64 {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmPeak:") }),
           let kib = UInt64(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "") {
            return kib * 1024
        }
        return hk_address_space_bytes()
    }
}

/// Turns SIGTERM (through the stop pipe) and the daemon's disappearance into `should_stop`.
enum StopWatcher {
    /// Starts the watching thread.
    static func start(stopPipe: Int32, control: RunControl, orphanGrace: Int64) {
        let thread = Thread {
            while true {
                let ready = Posix.poll([stopPipe, 0], timeoutMilliseconds: -1)
                if ready[0] {
                    _ = Posix.read(stopPipe)
                    control.requestStop()
                }
                if ready[1], case .endOfFile = Posix.read(0) {
                    // The daemon is gone: ask the run to stop, and leave if it does not within the grace period.
                    control.requestStop()
                    _ = Posix.poll([], timeoutMilliseconds: Int32(clamping: max(0, orphanGrace)))
                    _exit(71)
                }
            }
        }
        thread.name = "housekeeper-worker-stop"
        thread.start()
    }
}
