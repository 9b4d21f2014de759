public import Config
public import History
public import Logging
public import ServiceLifecycle
import UnixSignals

/// Applies configuration changes: reloads (SIGHUP in production) and runtime task changes (the API), one at a
/// time. Each builds a complete new generation and swaps the scheduler to it; on any error, it logs every
/// diagnostic and keeps the running generation.
///
/// Modelled on swift-configuration's `ReloadingFileProvider`: the public `run()` listens to SIGHUP, the internal
/// `run(triggers:)` takes any async sequence so tests push reloads directly.
public struct Reloader: Service {
    let loader: GenerationLoader
    let scheduler: Scheduler
    let logger: Logger
    let observer: @Sendable (ReloadOutcome, Generation) -> Void
    /// Called after each reload, once the generation it replaced (or failed to) is freed.
    let releaseMemory: @Sendable () -> Void
    /// Where runtime tasks are stored (nil: runtime task changes are refused).
    let store: HistoryStore?
    /// One change at a time: a reload and a runtime task change never build generations side by side.
    let gate = SerialGate()

    /// Creates a reloader.
    /// - Parameters:
    ///   - store: where runtime tasks (added through the API) are stored; nil refuses runtime task changes.
    ///   - observer: told of every reload's outcome and the generation running after it (metrics).
    ///   - releaseMemory: called after each reload, when the replaced generation and the parse trees are freed
    ///     (the daemon hands that memory back to the system).
    public init(
        loader: GenerationLoader, scheduler: Scheduler, logger: Logger, store: HistoryStore? = nil,
        releaseMemory: @escaping @Sendable () -> Void = {},
        observer: @escaping @Sendable (ReloadOutcome, Generation) -> Void = { _, _ in }
    ) {
        self.releaseMemory = releaseMemory
        self.store = store
        self.loader = loader
        self.scheduler = scheduler
        self.logger = logger
        self.observer = observer
    }

    /// Reloads on every SIGHUP until graceful shutdown.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await run(triggers: signals.cancelOnGracefulShutdown())
    }

    /// Reloads once per element of `triggers`.
    func run<Triggers: AsyncSequence & Sendable>(triggers: Triggers) async throws {
        for try await _ in triggers {
            _ = await reload()
        }
    }

    /// Loads and applies a new generation now.
    /// - Returns: the outcome (what changed, or the errors that kept the old configuration).
    public func reload() async -> ReloadOutcome {
        await gate.enter()
        let outcome = await reloadNow()
        await gate.leave()
        releaseMemory()
        return outcome
    }

    private func reloadNow() async -> ReloadOutcome {
        let previous = await scheduler.generation
        logger.info("reload.begin", metadata: ["config.file": "\(loader.configPath)"])
        let next: Generation
        do {
            next = try await loader.load(previous: previous)
        } catch {
            for diagnostic in error.diagnostics {
                logger.error("reload.error", metadata: ["diagnostic": "\(diagnostic)"])
            }
            logger.error("reload.failed", metadata: [
                "errors": "\(error.diagnostics.count)",
                "kept.generation": "\(previous.number)",
                "hint": "fix the errors above and send SIGHUP again; the running configuration is unchanged",
            ])
            observer(.failed(error.diagnostics), previous)
            return .failed(error.diagnostics)
        }
        let change = GenerationChange(from: previous, to: next)
        for diagnostic in next.dropped {
            logger.error("reload.task.dropped", metadata: ["diagnostic": "\(diagnostic)"])
        }
        for rejection in next.catalog.rejected {
            logger.warning("plugin.rejected", metadata: ["plugin.file": "\(rejection.path)", "reason": "\(rejection.reason)"])
        }
        await scheduler.apply(next)
        logger.info("reload.applied", metadata: [
            "generation": "\(next.number)",
            "tasks.added": "\(change.added.sorted())", "tasks.removed": "\(change.removed.sorted())",
            "tasks.changed": "\(change.changed.sorted())", "plugins.loaded": "\(change.pluginsLoaded.sorted())",
        ])
        observer(.applied(change), next)
        return .applied(change)
    }
}

/// What a reload did.
public enum ReloadOutcome: Sendable {
    /// The new generation is running.
    case applied(GenerationChange)
    /// The configuration had errors; the old generation keeps running.
    case failed([ConfigDiagnostic])
}

/// The difference between two generations, for logs and the API.
public struct GenerationChange: Sendable, Hashable {
    /// Tasks that are new.
    public var added: Set<String>
    /// Tasks that are gone (removed from the file, or their plugin disappeared).
    public var removed: Set<String>
    /// Tasks whose definition or plugin changed.
    public var changed: Set<String>
    /// Plugin files loaded anew (new or changed content), by plugin name.
    public var pluginsLoaded: Set<String>

    /// Compares two generations.
    public init(from old: Generation, to new: Generation) {
        // A task at the same position with the same name is found without a lookup (an edit usually keeps the
        // order of the others), any other through the old generation's index: no sets or dictionaries of all the
        // names (a 10,000-task reload spent 30 ms hashing every name four times).
        var added: Set<String> = []
        var changed: Set<String> = []
        for (position, task) in new.tasks.enumerated() {
            let name = task.spec.name
            let before = position < old.tasks.count && old.tasks[position].spec.name == name
                ? old.tasks[position] : old.task(named: name)
            guard let before else {
                added.insert(name)
                continue
            }
            if before.instance !== task.instance || before.spec != task.spec { changed.insert(name) }
        }
        self.added = added
        self.changed = changed
        // Names are unique in a generation: unless the old has more tasks than the new kept, none was removed.
        if old.tasks.count > new.tasks.count - added.count {
            removed = Set(old.tasks.lazy.map(\.spec.name).filter { new.task(named: $0) == nil })
        } else {
            removed = []
        }
        pluginsLoaded = Set(new.catalog.plugins.values.filter { plugin in
            old.catalog.plugins[plugin.name] !== plugin
        }.map(\.name))
    }
}

/// Lets one caller at a time through, first come first served.
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Waits until no other caller is inside.
    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Lets the next caller in.
    func leave() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
