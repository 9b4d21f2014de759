import DequeModule
import Logging
import PluginHost
import Synchronization

/// Waiting runs that a pool thread may start by itself when the run it called ends, and the starts it made, for
/// the scheduler loop to record.
///
/// Without it every run that waits for a slot under `limits.max_running` costs a round trip: the pool thread leaves
/// the ended run for the loop and rings, the loop wakes, records the end, lets the state machine pick the next run
/// and hands its call back to the pool. When thousands of runs fall due together (a burst, or a thousand tasks
/// every second), that round trip paced every start. The loop now offers the front of the line ahead of time
/// (`SchedulerStateMachine.relayWalk` says which runs may be offered: those that need nothing but a free slot);
/// a pool thread whose run ended takes the next offer and calls it at once, on the same thread, and the loop
/// records both at its next turn.
///
/// Rules that keep the state machine the one that decides:
/// - A claim is added before the end of the run whose slot it takes, and the loop takes ends before claims: it
///   always learns of a start before the end that made room for it, so it never counts fewer runs than run.
/// - The loop withdraws an offer before it starts or drops that run itself; if a pool thread claimed it first,
///   the run is running and the loop records it from the claim instead.
/// - Anything that changes what may be offered (a reload, a pause, an operator's request, shutdown) withdraws
///   every offer first (`revokeAll`).
///
/// Thread safety: `Sendable`; the state is a `Mutex`, taken once per claim.
final class RunRelay: Sendable {
    /// A waiting run made ready to be called on any pool thread.
    final class Offer: Sendable {
        /// The run, as the state machine decided it.
        let run: PendingRun
        /// Its history row (status `queued`).
        let id: Int64
        /// The task as configured (its instance is counted while the run calls it).
        let task: ScheduledTask
        /// The task the executor is given (a copy with the run's config override, or `task`).
        let callTask: ScheduledTask
        let executor: any RunExecutor
        /// Shared with the run's `ActiveRun` once the loop records the start: stop requests reach the call.
        let control: RunControl
        let contextJSON: String
        let logger: Logger

        init(
            run: PendingRun, id: Int64, task: ScheduledTask, callTask: ScheduledTask, executor: any RunExecutor,
            contextJSON: String, logger: Logger
        ) {
            self.run = run
            self.id = id
            self.task = task
            self.callTask = callTask
            self.executor = executor
            self.control = RunControl()
            self.contextJSON = contextJSON
            self.logger = logger
        }

        /// Calls the plugin (blocking: on a pool thread only) for a run that starts at `startedAt`.
        func execute(startedAt: Micros) -> RunCompletion {
            let request = RunRequest(
                taskName: run.task, runID: id, scheduledAt: run.scheduledAt, startedAt: startedAt,
                attempt: run.attempt, trigger: run.trigger, contextJSON: contextJSON,
                deadline: task.spec.timeout.map { startedAt + $0.micros })
            return executor.execute(task: callTask, request: request, control: control, logger: logger)
        }
    }

    /// An offer a pool thread took, and when its call began.
    struct Claim: Sendable {
        let offer: Offer
        let startedAt: Micros
    }

    private struct State {
        var offers: Deque<Offer> = []
        var claims: [Claim] = []
        var heldBackTasks: Set<String> = []
        /// Offers are not taken after this instant (a waiting run may be overdue then: the loop decides).
        var validUntil: Micros = .min
        /// Claims made since the relay was created.
        var claimed = 0
    }
    private let state = Mutex(State())

    /// Creates a relay with no offers.
    init() {}

    /// Takes the next offer for the slot of a run of `task` that just ended, or nil when there is none, the offers
    /// expired, or the slot belongs to a run of `task` that waits ahead of them. Called on a pool thread before
    /// the ended run is left for the loop.
    func claim(slotOf task: String, now: Micros) -> Claim? {
        state.withLock { state in
            guard !state.offers.isEmpty, now <= state.validUntil,
                  state.heldBackTasks.isEmpty || !state.heldBackTasks.contains(task),
                  let offer = state.offers.popFirst()
            else { return nil }
            let claim = Claim(offer: offer, startedAt: now)
            state.claims.append(claim)
            state.claimed += 1
            return claim
        }
    }

    /// Adds offers behind the ones still open (the line's order), with the walk's held-back tasks and expiry.
    func publish(_ offers: [Offer], heldBackTasks: [String], validUntil: Micros) {
        state.withLock { state in
            state.offers.append(contentsOf: offers)
            state.heldBackTasks.formUnion(heldBackTasks)
            state.validUntil = validUntil
        }
    }

    /// Withdraws the offer of run `serial`. False when a pool thread claimed it already (it runs; its claim says
    /// when it started).
    func withdraw(serial: UInt64) -> Bool {
        state.withLock { state in
            guard let index = state.offers.firstIndex(where: { $0.run.serial == serial }) else { return false }
            state.offers.remove(at: index)
            return true
        }
    }

    /// Withdraws every offer and forgets the held-back tasks; returns the claims not yet taken.
    func revokeAll() -> [Claim] {
        state.withLock { state in
            state.offers.removeAll()
            state.heldBackTasks.removeAll()
            state.validUntil = .min
            defer { state.claims.removeAll() }
            return state.claims
        }
    }

    /// Takes the claims made since the last look, in the order they were made.
    func takeClaims() -> [Claim] {
        state.withLock { state in
            guard !state.claims.isEmpty else { return [] }
            defer { state.claims.removeAll(keepingCapacity: true) }
            return state.claims
        }
    }

    /// How many offers are open (for tests).
    var openOffers: Int { state.withLock { $0.offers.count } }

    /// How many runs pool threads started from offers since the relay was created (for tests).
    var claimedCount: Int { state.withLock { $0.claimed } }
}
