import PluginHost
import Synchronization

/// The calls of one released instant (`Scheduler.releaseArmed`), handed to pool threads through one atomic index.
///
/// In the steady workload (1,000 every-second tasks under `max_running: 10`) a second's runs start one after
/// another on the pool threads, and the hand-over between two runs decided the lateness: through the relay
/// (`RunRelay`) a pool thread took its lock twice per run (to leave the end and to claim the next offer, in one
/// step) on objects the scheduler made per run (an offer each) and touched again while it recorded them. Here the
/// scheduler writes the instant's calls once, at the release, and leaves them: a pool thread whose run ended claims
/// the next call with an atomic increment and a compare-and-swap on that call's state, and publishes the end with
/// one store. The median run of a second started 0.38-0.49 ms after its instant instead of 0.80-0.89 ms
/// (`Benchmarks/README.md`, "A released instant's line").
///
/// The rules are the relay's, for one line:
/// - The first `starting` calls are the runs the state machine started at the release, one pool thread handed out
///   for each; the others wait in line and are claimed in order by the threads whose run ended (each thread holds
///   one slot under `max_running`, so no more run at once than the state machine allows).
/// - The threads handed out at the release wait for the instant holding no call, then take the first `starting`
///   calls in order (`takeStarting`); a thread whose run ended takes one of those first, if any is left, before the
///   waiting line. So a call never waits for one late thread: with two cores busy, a thread woken at the instant
///   could wait in the run queue for a time slice (2.8 ms here) while the others went through the whole line. A
///   thread that finds them all taken leaves at once: its slot went on in the thread that took its call.
/// - A thread claims the next call before it publishes the end of its own, so the scheduler, which collects a line
///   front to back (`collect`), sees a start no later than the end whose slot it took, and records every claim it
///   sees before any end.
/// - The scheduler withdraws a waiting call before it starts or drops that run itself (`withdraw`); if a thread
///   claimed it first, the run is running and is recorded from its claim. A reload, an operator's cancel and
///   shutdown withdraw every waiting call (`close`).
/// - No call is claimed after `validUntil` (a waiting run may be overdue then: the state machine decides).
///
/// Thread safety: pool threads call `takeStarting`, `claim`, `start(of:)`, `scheduledAt`, `isStopRequested`,
/// `execute` and `end`; the scheduler (one actor) calls `withdraw`, `close` and `collect`, and owns the bookkeeping
/// behind them. Each call's start and outcome are written by the one thread that claimed it (or, for the first
/// `starting`, by the release) before its state is published with a release store, and read only after an acquire
/// load of that state; the rest of a slot is written once, before any thread is handed the line.
final class ReleasedLine: @unchecked Sendable {
    // @unchecked: a slot's start and outcome are written and read under the state protocol above; the scheduler's
    // bookkeeping (`collected`, `front`, `settled`) is touched only by the scheduler's actor.

    /// The instant's calls in line order (`Armed.runs`).
    let calls: [PreparedCall]
    /// The release's instant: the first `starting` calls start at it.
    let instant: Micros
    /// How many calls the release started.
    let starting: Int
    /// No call is claimed after this instant.
    let validUntil: Micros

    /// What a call is in: waiting in line, claimed (running), ended (its outcome is written), or withdrawn.
    enum State: Int {
        case waiting = 0, claimed, ended, withdrawn
    }

    /// The next of the first `starting` calls to hand to a thread.
    private let nextStarting = Atomic<Int>(0)
    /// The next waiting call a claim looks at.
    private let next: Atomic<Int>
    private let closed = Atomic<Bool>(false)
    /// Each call's state, start and outcome, one slot of whole cache lines per call (`Slot`).
    private let slots: UnsafeMutableRawPointer

    /// What the line knows of one call: its state; when it was recorded as starting (the release's instant for the
    /// first `starting`); its end, written before its state turns `ended`. A slot has cache lines of its own: in
    /// three arrays side by side, the two cores going through a line's neighbouring calls wrote to the same lines,
    /// each write taking the line from the other core (median lateness 0.25 against 0.29 ms over seven alternating
    /// runs of the steady workload).
    ///
    /// It also holds what a pool thread needs of its call, copied from the `PreparedCall` at the release, so that the
    /// thread neither touches nor retains and releases the call object, which the scheduler's thread made and last
    /// wrote (the retain and the release of it were half of a pool thread's samples per no-op run, perf).
    private struct Slot: ~Copyable {
        let state: Atomic<Int>
        var start: Micros
        var outcome: RunRelay.End?
        let serial: UInt64
        let scheduledAt: Micros
        let timeout: Micros?
        /// Unretained: `calls` holds the call, and the call its ready call and control, as long as the line lives.
        let ready: Unmanaged<ReadyCall>?
        let control: Unmanaged<RunControl>
    }

    /// The distance between two slots: whole cache lines.
    private static let slotStride = (MemoryLayout<Slot>.stride + 63) / 64 * 64

    private func slot(_ index: Int) -> UnsafeMutablePointer<Slot> {
        (slots + index * Self.slotStride).assumingMemoryBound(to: Slot.self)
    }

    /// The scheduler's: which claims and ends it has recorded, where its next look starts, how many calls are done
    /// with (ended and recorded, or withdrawn).
    private var collected: [(claim: Bool, end: Bool)]
    private var front = 0
    private var settled = 0

    /// Makes a line of `calls`, the first `starting` of which were started at `startAt` by the release.
    init(calls: [PreparedCall], starting: Int, startAt: Micros, validUntil: Micros) {
        precondition((0...calls.count).contains(starting), "starting must be within the calls")
        self.calls = calls
        instant = startAt
        self.starting = starting
        self.validUntil = validUntil
        next = Atomic(starting)
        slots = .allocate(byteCount: max(calls.count, 1) * Self.slotStride, alignment: 64)
        for (index, call) in calls.enumerated() {
            (slots + index * Self.slotStride).bindMemory(to: Slot.self, capacity: 1).initialize(to: Slot(
                state: Atomic(index < starting ? State.claimed.rawValue : State.waiting.rawValue), start: startAt,
                outcome: nil, serial: call.run.serial, scheduledAt: call.run.scheduledAt, timeout: call.timeout,
                ready: call.ready.map { Unmanaged.passUnretained($0) }, control: .passUnretained(call.control)))
        }
        collected = calls.indices.map { (claim: $0 < starting, end: false) }
    }

    deinit {
        for index in calls.indices { slot(index).deinitialize(count: 1) }
        slots.deallocate()
    }

    // MARK: - Pool threads

    /// Takes the next of the calls the release started, for a thread at `now`: its index, or nil when every one
    /// is taken. These are running already (the state machine started them): neither expiry nor a close holds
    /// them back.
    func takeStarting(now: Micros) -> Int? {
        // Once they are all taken (after the first runs, at every claim), a read: no write to a line every thread
        // reads.
        guard nextStarting.load(ordering: .relaxed) < starting else { return nil }
        let index = nextStarting.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < starting else { return nil }
        slot(index).pointee.start = now
        return index
    }

    /// Claims the next call for a thread whose run ended at `now`: one the release started, if a thread handed
    /// out for it has not taken it yet, else the next waiting one; nil when none is left, the line was closed, or
    /// `now` is past `validUntil`. Call it before publishing that run's end (`end`).
    func claim(now: Micros) -> Int? {
        if let index = takeStarting(now: now) { return index }
        guard now <= validUntil else { return nil }
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < calls.count else { return nil }
            // Written before the state is: read only after the scheduler sees the call claimed. A withdrawn call's
            // start is never read.
            let slot = slot(index)
            slot.pointee.start = now
            if slot.pointee.state.compareExchange(
                expected: State.waiting.rawValue, desired: State.claimed.rawValue, ordering: .acquiringAndReleasing
            ).exchanged {
                return index
            }
        }
    }

    /// When the call at `index`, claimed by the calling thread, was recorded as starting.
    func start(of index: Int) -> Micros { slot(index).pointee.start }

    /// The slot instant of the call at `index`.
    func scheduledAt(_ index: Int) -> Micros { slot(index).pointee.scheduledAt }

    /// Whether the run of the call at `index` was asked to stop (shutdown, cancel).
    func isStopRequested(_ index: Int) -> Bool {
        slot(index).pointee.control._withUnsafeGuaranteedRef { $0.isStopRequested }
    }

    /// Calls the plugin for the call at `index`, claimed by the calling thread, from `startedAt` (blocking).
    func execute(_ index: Int, startedAt: Micros, scratch: borrowing ErrorScratch) -> RunCompletion {
        let slot = slot(index)
        guard let ready = slot.pointee.ready else {
            return calls[index].execute(startedAt: startedAt, scratch: scratch)
        }
        let timeout = slot.pointee.timeout
        return ready._withUnsafeGuaranteedRef { $0.carryOut(startedAt: startedAt, timeout: timeout, scratch: scratch) }
    }

    /// Publishes how the call at `index`, claimed by the calling thread, ended.
    func end(_ index: Int, completion: RunCompletion, startedAt: Micros?) {
        let slot = slot(index)
        slot.pointee.outcome = .init(slot.pointee.serial, completion, startedAt)
        slot.pointee.state.store(State.ended.rawValue, ordering: .releasing)
    }

    // MARK: - The scheduler

    /// Withdraws the waiting call at `index`: true when it is withdrawn (now or before), false when a thread claimed
    /// it (it runs; `collect` reports its claim).
    func withdraw(_ index: Int) -> Bool {
        let (exchanged, found) = slot(index).pointee.state.compareExchange(
            expected: State.waiting.rawValue, desired: State.withdrawn.rawValue, ordering: .acquiringAndReleasing)
        return exchanged || found == State.withdrawn.rawValue
    }

    /// Whether the line was closed (the threads handed out at the release stop waiting for the instant then).
    var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Withdraws every waiting call: no waiting call is claimed once this returns (the calls the release started
    /// still run).
    func close() {
        closed.store(true, ordering: .releasing)
        next.store(calls.count, ordering: .relaxed)
        for index in front..<calls.count { _ = withdraw(index) }
    }

    /// A claim `collect` reports: the call, when it was recorded as starting, and whether its end is among the
    /// ends of the same look (its row's start can then be written with its outcome, `Scheduler.collectLines`).
    struct Claim {
        let call: PreparedCall
        let startedAt: Micros
        let endedToo: Bool
    }

    /// The claims and ends made since the last look, each once, in line order: the scheduler records every claim
    /// before any end. A claim made before an end it returns is always among the claims it returns.
    func collect() -> (claims: [Claim], ends: [RunRelay.End]) {
        var claims: [Claim] = []
        var ends: [RunRelay.End] = []
        // Front to back: a thread claims a call behind the one whose end it then publishes, so the claim is seen
        // when the scan gets there (the end's acquire load makes it visible).
        for index in front..<calls.count {
            let slot = slot(index)
            guard let state = State(rawValue: slot.pointee.state.load(ordering: .acquiring)), state != .waiting else {
                continue
            }
            if state == .withdrawn {
                if !collected[index].end {
                    collected[index].end = true
                    settled += 1
                }
                continue
            }
            if !collected[index].claim {
                collected[index].claim = true
                claims.append(Claim(call: calls[index], startedAt: slot.pointee.start, endedToo: state == .ended))
            }
            if state == .ended, !collected[index].end {
                collected[index].end = true
                settled += 1
                ends.append(slot.pointee.outcome!)
                slot.pointee.outcome = nil
            }
        }
        while front < calls.count, collected[front].end { front += 1 }
        return (claims, ends)
    }

    /// Whether every call ended (and was collected) or was withdrawn: the scheduler lets the line go.
    var isSettled: Bool { settled == calls.count }
}
