extension Scheduler {
    /// How many waiting runs may be offered to the relay at once: enough that pool threads never run out while the
    /// loop is busy with a long turn, few enough that withdrawing them all stays cheap.
    static let relayDepth = 16_384

    /// Offers the front of the waiting line to the relay (`RunRelay`), as far as the state machine allows and up
    /// to `relayDepth` open offers. Only while dispatching; each walk resumes where the last one stopped.
    func publishOffers() {
        guard case .running = phase else { return }
        if machine.queuedCount == 0 {
            // Nothing waits: no run is ahead of future offers any more.
            if offered.isEmpty, relayCursor != 0 { revokeOffers() }
            return
        }
        let room = Self.relayDepth - offered.count
        guard room > 0,
              let walk = machine.relayWalk(
                  after: relayCursor, now: clock.now(), limit: room, isRecorded: { queued[$0] != nil })
        else { return }
        relayCursor = walk.cursor
        var offers: [RunRelay.Offer] = []
        offers.reserveCapacity(walk.runs.count)
        for run in walk.runs {
            guard let id = queued[run.serial], let task = scheduledTask(named: run.task) else { continue }
            let offer = RunRelay.Offer(prepareCall(run, id: id, task: task))
            offered[run.serial] = offer
            offers.append(offer)
        }
        let claims = relay.publish(
            offers, heldBackTasks: walk.heldBackTasks, validUntil: walk.validUntil, now: clock.now())
        guard !claims.isEmpty else { return }
        // Slots whose runs ended while there was nothing to offer: no pool thread is there to go on, so the loop
        // hands the claimed calls to the pool itself (they relay on from there).
        let callRelaying = self.callRelaying
        for claim in claims {
            launches.append { callRelaying(claim.offer.call, claim.startedAt) }
        }
        submitLaunches()
    }

    /// Withdraws every open offer and records the runs pool threads started from them: before a reload, an
    /// operator's cancel or shutdown changes what may be offered.
    func revokeOffers() {
        for line in lines { line.close() }
        lined.removeAll()
        park(collectLines())
        let taken = relay.revokeAll()
        offered.removeAll()
        relayCursor = 0
        keep(taken)
    }

    /// Records the relay's claims now (so their runs show as running) and leaves the ends that came with them for
    /// the loop's next turn.
    func collectClaims() {
        keep(relay.take())
    }

    private func keep(_ taken: RunRelay.Taken) {
        recordClaims(taken.claims)
        park(taken.ends)
    }

    /// Leaves ends taken outside the loop's turn for its next one (after the claims recorded with them).
    private func park(_ ends: [RunRelay.End]) {
        for end in ends { endedRuns.add(end) }
        if !ends.isEmpty { doorbell.ring() }
    }

    /// Withdraws the offer of a run the state machine starts or drops itself.
    /// - Returns: false when a pool thread took it first: the run is running, and its claim records it.
    func withdrawOffer(of serial: UInt64) -> Bool {
        if let entry = lined[serial] {
            guard entry.line.withdraw(entry.index) else { return false }
            lined[serial] = nil
            return true
        }
        guard let offer = offered[serial] else { return true }
        guard relay.withdraw(offer) else { return false }
        offered[serial] = nil
        return true
    }

    /// Records runs that pool threads started from offers: the state machine counts them running from their start,
    /// their rows are marked started, and they are followed like any run the loop launched.
    func recordClaims(_ claims: [RunRelay.Claim]) {
        for claim in claims {
            offered[claim.offer.call.run.serial] = nil
            recordStart(of: claim.offer.call, at: claim.startedAt)
        }
    }

    /// Records a waiting run that a pool thread started by itself at `startedAt` (from the relay or a released
    /// line): it leaves the line, the state machine counts it running, its row is marked started, and it is
    /// followed like any run the loop launched.
    /// - Parameter endsNow: its end is recorded in the same turn (a released line's claim that ended before the loop
    ///   looked): its row's start is then written with its outcome (`complete`), one change instead of two.
    private func recordStart(of call: PreparedCall, at startedAt: Micros, endsNow: Bool = false) {
        queued[call.run.serial] = nil
        machine.adoptRelayed(call.run, at: startedAt)
        if !endsNow { writeHistory(.markStarted(id: call.id, at: startedAt)) }
        begin(ActiveRun(call: call, startedAt: startedAt, startWritten: !endsNow))
    }
}

extension Scheduler {
    /// Records the runs pool threads started from released lines since the last look (as `recordClaims` does for
    /// the relay's) and returns the ends they left, for the caller to record after every claim. Lines whose calls
    /// are all done with are let go.
    func collectLines() -> [RunRelay.End] {
        guard !lines.isEmpty else { return [] }
        var ends: [RunRelay.End] = []
        for line in lines {
            let collected = line.collect()
            for claim in collected.claims {
                lined[claim.call.run.serial] = nil
                lineClaims += 1
                // In the steady workload most claims have ended by the time the loop looks: their ends follow in
                // this turn (`recordEndedRuns`, or `revokeOffers` leaving them for the next turn, before anything
                // else is recorded of them).
                recordStart(of: claim.call, at: claim.startedAt, endsNow: claim.endedToo)
            }
            ends += collected.ends
        }
        lines.removeAll { $0.isSettled }
        return ends
    }
}
