import History
import Logging

extension Scheduler {
    /// How long before an instant the loop decides its slots and makes their calls ready (`armAhead`): long enough
    /// for ten thousand slots on a slow machine, short enough that an event in between (which undoes it) is rare.
    static let armLead: Micros = 100_000

    /// How long before an armed instant the loop releases its slots (`releaseArmed`): the state machine's decisions,
    /// the instant's line and its first calls are handed out then, and the pool threads wait for the instant
    /// themselves (`callLine`). Waking the loop at the instant and handing the calls over from there cost 0.2-0.5 ms of
    /// every run's lateness (the alarm thread, the actor's thread, a pool thread, each woken in turn).
    static let releaseLead: Micros = 2_000

    /// How long after a released instant its history rows wait at most for the outcomes of its runs, when the line
    /// has not settled by then (a run still going; `heldRows`). Holding them until the instant plus the writer's 5 ms
    /// gather window, the outcomes the loop recorded after that window (a third to two thirds of a second's in 3 of
    /// 7 seconds, steady workload) became a second transaction of UPDATEs, a third of the history writer's CPU
    /// (perf). Rows in memory are lost if the process is killed: this is also the longest a released slot can go
    /// unrecorded (plus the commit).
    static let releasedRowsWait: Micros = 50_000

    /// The calls of slots decided ahead of their instant (`SchedulerStateMachine.arm`), ready to start. How many
    /// start at the instant and how long the others keep their order are the state machine's (`machine.armed`).
    struct ArmedCalls {
        let instant: Micros
        /// In the state machine's order (`Armed.runs`).
        let calls: [PreparedCall]
        /// The history row ids handed to them.
        let ids: Range<Int64>
    }

    /// Decides the slots of the loop's next wake-up (`wake`, the state machine's) ahead of it, if it is a slot
    /// instant less than `armLead` away and the state machine can arm it, and makes their calls ready. Each instant
    /// is armed at most once: an event that undoes it leaves the instant to be decided when it comes, as always.
    func armAhead(wake: Micros?) {
        guard case .running = phase, isDispatching, armedCalls == nil, let wake else { return }
        let now = clock.now()
        guard wake > now, wake - now <= Self.armLead, wake != lastArmedInstant else { return }
        lastArmedInstant = wake
        guard let armed = machine.arm(
            at: wake, now: now, limit: Self.relayDepth,
            canRecord: { task, slot in (lastRecordedSlot[task] ?? .min) < slot })
        else { return }
        let first = nextRunID
        var calls: [PreparedCall] = []
        calls.reserveCapacity(armed.runs.count)
        for run in armed.runs {
            guard let task = scheduledTask(named: run.task) else {
                // The machine and the generation always hold the same tasks; if not, decide at the instant.
                machine.disarm()
                nextRunID = first
                return
            }
            calls.append(prepareCall(run, id: nextRunID, task: task))
            nextRunID += 1
        }
        armedCalls = ArmedCalls(instant: wake, calls: calls, ids: first..<nextRunID)
    }

    /// When the armed instant is at most `releaseLead` away or has come: makes the instant's line of calls
    /// (`ReleasedLine`) and hands its first calls, the armed runs that have a free slot, to the pool; the threads
    /// wait for the instant, and each whose run ends takes the next call of the line. Then records the runs as of
    /// the instant (the state machine's decisions, history rows, events) while pool threads already wait or call.
    /// Calls ready for an instant an event disarmed are let go here.
    func releaseArmed(now: Micros) {
        guard let armed = armedCalls else { return }
        guard let decided = machine.armed, decided.instant == armed.instant else {
            forgetArmedCalls()
            return
        }
        guard now >= armed.instant - Self.releaseLead else { return }
        let startAt = max(now, armed.instant)
        guard machine.canReleaseArmed(now: startAt) else {
            // Too late for a task's `max_lateness`: advance decides the slots (as missed).
            machine.disarm()
            forgetArmedCalls()
            return
        }
        armedCalls = nil
        // The line first: the first runs may end before the rest is recorded, and their threads go on with it.
        let starting = decided.starting
        let (validUntil, overflow) = startAt.addingReportingOverflow(decided.maxWait)
        let line = ReleasedLine(
            calls: armed.calls, starting: starting, startAt: startAt, validUntil: overflow ? .max : validUntil)
        lines.append(line)
        let callLine = self.callLine
        for _ in 0..<starting { launches.append { callLine(line) } }
        submitLaunches()

        // `canReleaseArmed(now:)` held just above and nothing ran since: the release cannot be refused here.
        let released = machine.releaseArmed(now: startAt)!
        relayCursor = machine.nextTicket - 1
        // The rows wait here for their runs' starts and outcomes, written into them (`heldRows`): one INSERT each,
        // one transaction a second in the steady workload, instead of an INSERT and, for a third to three quarters
        // of them, an UPDATE in a second transaction. They go to the writer once the line is settled
        // (`recordEndedRuns`), at most `releasedRowsWait` after the instant.
        var held = HeldRows(
            line: line, first: armed.ids.lowerBound, capacity: released.runs.count,
            deadline: startAt + Self.releasedRowsWait)
        for (index, run) in released.runs.enumerated() {
            let call = armed.calls[index]
            // Rows of slots after each task's last recorded one (`arm`'s `canRecord`): none can be taken, so they
            // are written without a look at the database, as `insertRow` does for them.
            noteRecordedSlot(of: run.task, at: run.scheduledAt)
            let starts = index < starting
            var record = record(for: run, plugin: call.task.plugin.name, status: starts ? .running : .queued)
            record.id = call.id
            if starts {
                record.startedAt = startAt
                held.append(record)
                begin(ActiveRun(call: call, startedAt: startAt))
            } else {
                record.queuedAt = startAt
                held.append(record)
                lined[run.serial] = (line, index)
                followQueued(run, id: call.id, reason: machine.freeSlotReason)
            }
        }
        heldRows.append(held)
        // Claims made meanwhile are recorded at the next turn, after these rows.
    }

    /// Lets go of calls made ready for slots that were disarmed; their row ids are handed out again if no row took
    /// one since.
    func forgetArmedCalls() {
        guard let armed = armedCalls else { return }
        armedCalls = nil
        if nextRunID == armed.ids.upperBound { nextRunID = armed.ids.lowerBound }
    }

    /// The instant whose slots have calls ready (for tests).
    var armedInstant: Micros? { armedCalls?.instant }

    /// When the loop should wake for the state machine's next wake-up `wake`: then, `armLead` before it when that
    /// instant may be armed, or `releaseLead` before it when it is armed; earlier if held rows are due to go to the
    /// writer first (`releasedRowsWait`; the first held are the first due).
    func loopWakeup(after wake: Micros?) -> Micros? {
        let rowsDue = heldRows.first?.deadline
        guard let wake else { return rowsDue }
        let planned: Micros
        if case .running = phase {
            if let armed = armedCalls {
                planned = armed.instant == wake ? wake - Self.releaseLead : wake
            } else {
                planned = wake != lastArmedInstant ? wake - Self.armLead : wake
            }
        } else {
            planned = wake
        }
        return min(planned, rowsDue ?? planned)
    }
}
