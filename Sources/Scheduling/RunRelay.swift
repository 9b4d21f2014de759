import DequeModule
import Foundation

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
/// - A pool thread leaves a relayable run's end here, in the same step as it claims the next offer for that run's
///   slot; the loop takes claims and ends together and records the claims first. So the state machine learns of a
///   start no later than of the end that made room for it, and never counts fewer runs than run.
/// - An end that finds no offer leaves its slot idle here; the next offers the loop publishes go to idle slots
///   first (the loop hands those calls to the pool). Once the loop has taken an end, its slot is the state
///   machine's to give.
/// - The loop withdraws an offer before it starts or drops that run itself; if a pool thread claimed it first, the
///   run is running and the loop records it from the claim instead.
/// - A reload (new task set, limits and priorities), an operator's cancel and shutdown withdraw every offer first
///   (`revokeAll`). A manual run, a pause or a resume need not: they decide new runs, which join the back of the
///   line, and leave the runs already waiting as they are.
///
/// The runs of an instant released ahead of it (`Scheduler.releaseArmed`) are not offered here: they go to the pool
/// threads as one `ReleasedLine`, which hands them over without a lock. The relay offers every other waiting run,
/// including those of a line the scheduler closed (a reload, a cancel) that still wait.
///
/// Thread safety: `Sendable`; the state is guarded by one lock, taken once per run that ends.
final class RunRelay: Sendable {
    /// A waiting run's call, made ready to be carried out on any pool thread.
    final class Offer: Sendable {
        let call: PreparedCall
        /// Open, claimed by a pool thread, or withdrawn by the loop. Only read and written under the relay's lock,
        /// which is what makes this `nonisolated(unsafe)` safe.
        nonisolated(unsafe) fileprivate var status = Status.open
        fileprivate enum Status { case open, claimed, withdrawn }

        init(_ call: PreparedCall) {
            self.call = call
        }
    }

    /// An offer a pool thread took, and when its call began.
    struct Claim: Sendable {
        let offer: Offer
        let startedAt: Micros
    }

    /// A run whose call returned, and when its plugin call actually began (a run the loop launched is recorded from
    /// the launch, or from its slot's instant when it was released ahead of it; its row gets this start instead);
    /// nil when the plugin was not called (asked to stop while it waited for its instant).
    ///
    /// A struct, not a tuple: arrays of a tuple holding an enum with payloads were destroyed through the runtime's
    /// generic tuple witnesses (`tuple_destroy`), 2 % of the scheduler's samples (perf, steady workload).
    struct End: Sendable {
        let serial: UInt64
        let completion: RunCompletion
        let startedAt: Micros?

        init(_ serial: UInt64, _ completion: RunCompletion, _ startedAt: Micros?) {
            self.serial = serial
            self.completion = completion
            self.startedAt = startedAt
        }
    }

    /// What the loop takes at each turn: the claims, then the ends of the runs the relay looked after. The loop
    /// records every claim before any end (a claim was made before the end whose slot it took).
    struct Taken {
        var claims: [Claim] = []
        var ends: [End] = []
    }

    private struct State {
        /// Open offers in line order (withdrawn ones are passed over as they come to the front).
        var offers: Deque<Offer> = []
        var open = 0
        var taken = Taken()
        /// The tasks of the ends left here since the loop last took them whose slot nobody took: the next offers go
        /// to these slots (but for those of tasks the walk finds held back).
        var idleSlots: [String] = []
        var heldBackTasks: Set<String> = []
        /// Offers are not taken after this instant (a waiting run may be overdue then: the loop decides).
        var validUntil: Micros = .min
        /// Claims made since the relay was created.
        var claimed = 0
        /// `revokeAll` calls since the relay was created.
        var revocations = 0

        /// Whether a run of `task` waits ahead of the offers for the task's own run to end: that run's slot is its.
        func isHeldBack(_ task: String) -> Bool {
            !heldBackTasks.isEmpty && heldBackTasks.contains(task)
        }

        mutating func nextOffer(at now: Micros) -> Claim? {
            guard open > 0, now <= validUntil else { return nil }
            while let offer = offers.popFirst() {
                guard offer.status == .open else { continue }
                offer.status = .claimed
                open -= 1
                claimed += 1
                let claim = Claim(offer: offer, startedAt: now)
                taken.claims.append(claim)
                return claim
            }
            return nil
        }
    }
    // `lock` guards `state`: every access happens in `withLock`. A pthread mutex, not `Synchronization.Mutex`:
    // with ten pool threads ending no-op runs on two cores, `Mutex`'s spinning slow path took a quarter of the
    // daemon's CPU in a burst (perf), while a waiter here sleeps at once.
    private let lock = NSLock()
    private nonisolated(unsafe) var state = State()

    private func withLock<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    /// Creates a relay with no offers.
    init() {}

    /// Leaves the end of a run of `task` for the loop and takes the next offer for its slot: nil when there is no
    /// open offer, the offers expired, or the slot belongs to a run of `task` that waits ahead of them (the loop
    /// then gives the slot away). A slot left without a claim goes to the next offers the loop publishes. Called
    /// on the pool thread that ran the run; the claim is made before the end is left, in one step.
    func end(_ end: End, slotOf task: String, now: Micros) -> Claim? {
        withLock { state in
            if state.isHeldBack(task) {
                state.taken.ends.append(end)
                return nil
            }
            let claim = state.nextOffer(at: now)
            state.taken.ends.append(end)
            if claim == nil { state.idleSlots.append(task) }
            return claim
        }
    }

    /// Adds offers behind the ones still open (the line's order), with the walk's held-back tasks and expiry.
    /// - Returns: claims for slots that ended with no offer to take since the loop last looked: nobody runs them
    ///   yet, the caller hands them to the pool. They start at `now`.
    func publish(_ offers: [Offer], heldBackTasks: [String], validUntil: Micros, now: Micros) -> [Claim] {
        withLock { state in
            state.offers.append(contentsOf: offers)
            state.open += offers.count
            state.heldBackTasks.formUnion(heldBackTasks)
            state.validUntil = validUntil
            var claims: [Claim] = []
            while let task = state.idleSlots.last {
                guard !state.isHeldBack(task) else {
                    // Its slot is a held-back run's: the loop gives it away when it takes the end.
                    state.idleSlots.removeLast()
                    continue
                }
                guard let claim = state.nextOffer(at: now) else { break }
                state.idleSlots.removeLast()
                claims.append(claim)
            }
            return claims
        }
    }

    /// Withdraws an offer. False when a pool thread claimed it already (it runs; its claim says when it started).
    func withdraw(_ offer: Offer) -> Bool {
        withLock { state in
            guard offer.status == .open else { return offer.status == .withdrawn }
            offer.status = .withdrawn
            state.open -= 1
            // Withdrawn offers leave the line as they come to its front; with none open, the line is let go now
            // (so offers the loop keeps starting itself are never held on to).
            if state.open == 0 { state.offers.removeAll() }
            while let first = state.offers.first, first.status != .open { state.offers.removeFirst() }
            return true
        }
    }

    /// Withdraws every offer and forgets the held-back tasks; returns the claims and ends not yet taken.
    func revokeAll() -> Taken {
        withLock { state in
            state.revocations += 1
            for offer in state.offers where offer.status == .open { offer.status = .withdrawn }
            state.offers.removeAll()
            state.open = 0
            state.heldBackTasks.removeAll()
            state.validUntil = .min
            state.idleSlots.removeAll()
            defer { state.taken = Taken() }
            return state.taken
        }
    }

    /// Takes the claims and ends left since the last look, each in the order they were made. The slots of the
    /// ends are the loop's to give away from now on.
    func take() -> Taken {
        withLock { state in
            state.idleSlots.removeAll(keepingCapacity: true)
            guard !state.taken.claims.isEmpty || !state.taken.ends.isEmpty else { return Taken() }
            defer { state.taken = Taken() }
            return state.taken
        }
    }

    /// How many offers are open (for tests).
    var openOffers: Int { withLock { $0.open } }

    /// How many runs pool threads started from offers since the relay was created (for tests).
    var claimedCount: Int { withLock { $0.claimed } }

    /// How many times every offer was withdrawn at once (for tests).
    var revocations: Int { withLock { $0.revocations } }
}
