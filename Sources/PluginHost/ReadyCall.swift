public import Logging
import PluginABI

/// One run's `run` call on a plugin instance, made ready before the run starts: everything the call hands the
/// plugin but the instant it starts and its deadline.
///
/// `PluginInstance.run` makes one and calls it at once. The scheduler makes them when it decides a second's slots
/// ahead of the instant (`Scheduler.armAhead`, 100 ms ahead), on its own thread, so a pool thread carrying out one of
/// the second's thousand runs only writes two numbers into the context and calls the plugin. Built at the call, the
/// same things (the host-call context, the run id as a string, the C strings, the request and result values) were
/// about half of a pool thread's samples per no-op run (perf, steady workload: `PreparedCall.execute` inclusive), and
/// the runs of a second start one after another on the pool threads, so each run's cost adds to the later runs'
/// lateness (`Benchmarks/README.md`, "The pool thread's call, made ready").
///
/// Thread safety: made on any thread; `call` is blocking and may be called once at a time (the run's one pool
/// thread), after which the object may be dropped on any thread.
public final class ReadyCall: @unchecked Sendable {
    // @unchecked: `storage` is written by `init` and then only by `call`, on the one thread carrying the run out.

    private let instance: PluginInstance
    private let taskName: String
    private let run: hk_run_fn
    private let instancePointer: UnsafeMutableRawPointer?
    /// Kept alive for the plugin's callbacks (its handle is in the context).
    private let host: HostCallContext
    private let control: RunControl
    /// The `hk_run_context` followed by the task name, the run id and the context JSON as C strings, in one
    /// allocation the context's pointers point into.
    private let storage: UnsafeMutableRawPointer

    /// Makes `request`'s call ready (its `startedAt` and `deadline` are ignored: `call` is given them).
    /// - Parameters:
    ///   - control: the run's stop flag, output and progress; a new one per run.
    ///   - logger: where the plugin's log lines go (with `task.name`, `run.id` and `plugin.name` metadata).
    init(instance: PluginInstance, request: RunRequest, control: RunControl, logger: Logger) {
        self.instance = instance
        taskName = request.taskName
        run = instance.plugin.entryPoints.run
        instancePointer = instance.rawPointer
        self.control = control
        host = HostCallContext(
            logger: logger, taskName: request.taskName, pluginName: instance.plugin.name, runID: request.runID,
            control: control)
        let runID = String(request.runID)
        let contextJSONLength = request.contextJSON.utf8.count
        var offset = MemoryLayout<hk_run_context>.stride
        let size = offset + request.taskName.utf8.count + 1 + runID.utf8.count + 1 + contextJSONLength + 1
        let storage = UnsafeMutableRawPointer.allocate(
            byteCount: size, alignment: MemoryLayout<hk_run_context>.alignment)
        /// Copies `string` with its NUL behind the previous one and returns where it starts.
        func append(_ string: String) -> UnsafePointer<CChar> {
            let start = (storage + offset).assumingMemoryBound(to: CChar.self)
            let count = string.utf8.count
            string.withCString { UnsafeMutableRawPointer(start).copyMemory(from: $0, byteCount: count + 1) }
            offset += count + 1
            return UnsafePointer(start)
        }
        var context = hk_run_context()
        context.struct_size = UInt32(MemoryLayout<hk_run_context>.size)
        context.trigger = request.trigger.code
        context.api = HostAPITable.shared.pointer
        context.host = OpaquePointer(Unmanaged.passUnretained(host).toOpaque())
        context.task_name = append(request.taskName)
        context.run_id = append(runID)
        context.scheduled_at_us = request.scheduledAt
        context.attempt = UInt32(clamping: request.attempt)
        context.context_json = append(request.contextJSON)
        context.context_json_length = contextJSONLength
        storage.initializeMemory(as: hk_run_context.self, to: context)
        self.storage = storage
    }

    deinit {
        storage.deallocate()
    }

    /// Calls `run` for a run that starts at `startedAt` (microseconds since the epoch) and should stop at
    /// `deadline` (nil: no timeout). Blocking: on a host-owned thread only, never on the cooperative pool.
    /// - Parameter scratch: the calling thread's error buffer, for the plugin's message.
    /// - Returns: the plugin's status, message and output.
    public func call(startedAt: Int64, deadline: Int64?, scratch: borrowing ErrorScratch) -> RunResult {
        guard !instance.isDestroyed else {
            // The host destroys an instance only after its runs returned: reaching this is a host bug, not the
            // plugin's; the run ends as an error instead of calling freed state.
            return RunResult(
                status: .error,
                message: "the plugin was not called: task \(taskName)'s instance of plugin \(instance.plugin.name) "
                    + "was destroyed before this run started, which is a bug in housekeeper: report it with the log",
                output: nil)
        }
        let context = storage.assumingMemoryBound(to: hk_run_context.self)
        context.pointee.started_at_us = startedAt
        context.pointee.deadline_us = deadline ?? 0
        // `host`, whose handle the context holds, lives as long as this object, which the caller holds.
        let (status, message) = ErrorBuffer.use(scratch.storage, capacity: LoadedPlugin.errorCapacity) { error in
            run(instancePointer, context, error)
        }
        return RunResult(status: PluginStatus(code: status), message: message, output: control.output)
    }

    /// `call(startedAt:deadline:scratch:)` with an error buffer of its own.
    public func call(startedAt: Int64, deadline: Int64?) -> RunResult {
        call(startedAt: startedAt, deadline: deadline, scratch: ErrorScratch())
    }
}

extension PluginInstance {
    /// Makes `request`'s `run` call ready, to be made later with its start (`ReadyCall.call`), on a host-owned
    /// thread. The host must not make calls on one instance overlap unless `plugin.allowsConcurrentRuns`.
    /// - Parameters:
    ///   - request: who and why (its `startedAt` and `deadline` are given to `call`).
    ///   - control: the run's stop flag, output and progress; make a new one per run.
    ///   - logger: where the plugin's log lines go (with `task.name`, `run.id` and `plugin.name` metadata).
    public func readyCall(_ request: RunRequest, control: RunControl, logger: Logger) -> ReadyCall {
        ReadyCall(instance: self, request: request, control: control, logger: logger)
    }
}
