import Config
import Cron
import History
import PluginHost
@testable import Scheduling
import Synchronization
import Testing

/// 500 tasks at mixed schedules and policies for 40 minutes of manual-clock time, with random durations, failures,
/// timeouts and overlaps, performed against a real SQLite history the way the scheduler performs them: ids handed
/// out in memory and every row, start and outcome queued on a `HistoryWriter` (group commits, folding). Afterwards
/// every slot has exactly one row and the counts add up.
@Suite struct SoakTests {
    /// A small deterministic generator (SplitMix64), so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Live {
        var id: Int64
        var run: PendingRun
        var endsAt: Micros
        var end: RunEnd
        var stopped: StopReason?
    }

    @Test func fiveHundredTasksForFortyMinutesLeaveExactlyOneRowPerSlot() async throws {
        var random = SplitMix(state: 20_261_123)
        let expressions = ["* * * * *", "*/2 * * * *", "*/5 * * * *", "*/15 * * * * *", "*/30 * * * * *",
                           "H/10 * * * *", "0 * * * *", "7,19,41 * * * *"]
        let overlaps: [OverlapPolicy] = [.skip, .queue, .allow, .replace]
        var definitions: [TaskDefinition] = []
        for index in 0..<500 {
            let name = "task-\(index)"
            definitions.append(try definition(name, expressions[index % expressions.count]) {
                $0.overlap = overlaps[Int.random(in: 0..<4, using: &random)]
                $0.maxInstances = 2
                $0.timeout = Bool.random(using: &random) ? 90 * second : nil
                $0.timeoutGrace = 5 * second
                $0.group = index % 10 == 0 ? "db" : nil
                if index % 7 == 0 { $0.retry = RetryPolicy(attempts: 2, delay: .seconds(20), backoff: .fixed) }
            })
        }
        let store = try HistoryStore.inMemory()
        let failures = Mutex<[String]>([])
        let writer = HistoryWriter(store: store) { message, _ in failures.withLock { $0.append(message) } }
        var nextID = try await store.nextRunID()
        /// Queues a new row with the next id, as `Scheduler.insertRow` does (no slot repeats here: no clock steps).
        func insert(_ record: RunRecord) -> Int64 {
            var record = record
            record.id = nextID
            nextID += 1
            writer.enqueue(.insert(record))
            return record.id!
        }
        var machine = SchedulerStateMachine(maxRunning: 64)
        var now = t0
        let end = t0 + 40 * minute
        var pending = machine.install(definitions, maxRunning: 64, groups: ["db": 3], now: now)
        var live: [UInt64: Live] = [:]
        var queued: [UInt64: Int64] = [:]
        var counts: [String: Int] = [:]

        func perform(_ actions: [SchedulerAction], random: inout SplitMix) {
            for action in actions {
                switch action {
                case .start(let run), .startQueued(let run):
                    let id: Int64
                    if case .startQueued = action, let queuedID = queued.removeValue(forKey: run.serial) {
                        writer.enqueue(.markStarted(id: queuedID, at: now))
                        id = queuedID
                    } else {
                        id = insert(RunRecord(
                            task: run.task, plugin: "soak", trigger: run.trigger.historyKind,
                            scheduledAt: run.scheduledAt, startedAt: now, status: .running, attempt: run.attempt))
                    }
                    let duration = Micros.random(in: 1...150, using: &random) * second
                    let roll = Int.random(in: 0..<100, using: &random)
                    let outcome: RunEnd = roll < 70 ? .succeeded : roll < 85 ? .failed : roll < 95 ? .crashed : .failedPermanently
                    live[run.serial] = Live(id: id, run: run, endsAt: now + duration, end: outcome)
                    counts["started", default: 0] += 1
                case .queue(let run, _):
                    let record = RunRecord(
                        task: run.task, plugin: "soak", trigger: run.trigger.historyKind,
                        scheduledAt: run.scheduledAt, status: .queued, attempt: run.attempt, queuedAt: now)
                    queued[run.serial] = insert(record)
                case .skip(let run, let reason):
                    let record = RunRecord(
                        task: run.task, plugin: "soak", trigger: run.trigger.historyKind,
                        scheduledAt: run.scheduledAt, finishedAt: now, status: .skipped, attempt: run.attempt,
                        error: reason)
                    _ = insert(record)
                    counts["skipped", default: 0] += 1
                case .dropQueued(let run, let reason):
                    if let id = queued.removeValue(forKey: run.serial) {
                        writer.enqueue(.finish(id: id, status: .cancelled, at: now, error: reason, output: nil))
                        counts["dropped", default: 0] += 1
                    }
                case .stop(let run, let reason):
                    // A cooperative plugin returns within 2 seconds of should_stop.
                    live[run.serial]?.stopped = reason
                    if let endsAt = live[run.serial]?.endsAt { live[run.serial]?.endsAt = min(endsAt, now + 2 * second) }
                case .stuck:
                    counts["stuck", default: 0] += 1
                }
            }
        }

        while now <= end {
            perform(pending, random: &random)
            pending = []
            let nextEnd = live.values.map(\.endsAt).min()
            guard let next = [machine.nextWakeup, nextEnd].compactMap({ $0 }).min(), next <= end else { break }
            now = next
            for (serial, run) in live where run.endsAt <= now {
                live[serial] = nil
                let (status, ended): (RunStatus, RunEnd) = switch run.stopped {
                case .timeout: (.timedOut, .timedOut)
                case .replaced, .cancelled: (.cancelled, .cancelled)
                case nil:
                    switch run.end {
                    case .succeeded: (.succeeded, .succeeded)
                    case .crashed: (.crashed, .crashed)
                    default: (.failed, run.end)
                    }
                }
                writer.enqueue(.finish(id: run.id, status: status, at: now, error: nil, output: nil))
                counts[status.rawValue, default: 0] += 1
                pending += machine.finished(serial: serial, end: ended, now: now)
            }
            pending += machine.advance(to: now)
        }
        // Shutdown: waiting runs are dropped, running ones end interrupted.
        pending += machine.drainQueue(reason: "shutdown")
        perform(pending, random: &random)
        for (serial, run) in live {
            writer.enqueue(.finish(id: run.id, status: .interrupted, at: now, error: nil, output: nil))
            counts["interrupted", default: 0] += 1
            _ = machine.finished(serial: serial, end: .interrupted, now: now)
        }
        await writer.flush()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 }.prefix(3))")

        let rows = try await store.runs(RunQuery(limit: 1_000_000))
        // Every slot of every task in the window has exactly one scheduled first-attempt row.
        var expected = 0
        var missing: [String] = []
        let byTask = Dictionary(grouping: rows.filter { $0.trigger == .schedule && $0.attempt == 1 }, by: \.task)
        for definition in definitions {
            var slots: [Micros] = []
            var cursor = t0
            while let slot = definition.fireInstant(after: cursor), slot <= end {
                slots.append(slot)
                cursor = slot
            }
            expected += slots.count
            let recorded = (byTask[definition.name] ?? []).map(\.scheduledAt)
            if recorded.sorted() != slots { missing.append(definition.name) }
        }
        #expect(missing.isEmpty, "tasks whose slots do not match their rows: \(missing.prefix(5))")
        #expect(expected > 15_000)
        // Nothing is left open, and each outcome counted once.
        #expect(rows.allSatisfy { $0.status.isFinal })
        let byStatus = Dictionary(grouping: rows, by: \.status).mapValues(\.count)
        for status in [RunStatus.succeeded, .failed, .crashed, .timedOut, .interrupted] {
            #expect(byStatus[status, default: 0] == counts[status.rawValue, default: 0], "\(status)")
        }
        #expect(byStatus[.skipped, default: 0] == counts["skipped", default: 0])
        #expect(byStatus[.cancelled, default: 0] == counts["cancelled", default: 0] + counts["dropped", default: 0])
        let finishedRuns = [RunStatus.succeeded, .failed, .crashed, .timedOut, .interrupted]
            .reduce(0) { $0 + byStatus[$1, default: 0] } + counts["cancelled", default: 0]
        #expect(finishedRuns == counts["started", default: 0])
        // Every policy got exercised.
        #expect(counts["skipped", default: 0] > 0)
        #expect(counts["dropped", default: 0] > 0)
        #expect(byStatus[.timedOut, default: 0] > 0)
        #expect(rows.contains { $0.trigger == .retry })
        #expect(rows.contains { $0.queuedAt != nil && $0.startedAt != nil })
        #expect(machine.runningCount == 0 && machine.queuedCount == 0)
    }
}
