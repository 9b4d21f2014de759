import Config
import Cron
import Foundation
import HousekeeperPlugin
import Logging
@testable import PluginHost
@testable import Scheduling
import Synchronization
import Testing

/// A released instant's line: claims in line order from the first waiting call, none after `validUntil` or a
/// close, a withdrawn call never runs and a claimed one is never withdrawn, and the scheduler's look reports each
/// claim once and never an end before the claim that took its slot, also with threads claiming and ending at once.
@Suite struct ReleasedLineTests {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    final class Freed: Sendable {
        let map = Mutex([Int: Int]())
    }

    let ok = RunCompletion.returned(RunResult(status: .ok, message: "", output: nil))

    func line(_ count: Int, starting: Int, validUntil: Micros = .max) throws -> ReleasedLine {
        let calls = try (0..<count).map { try PreparedCall.fixture("t\($0)", serial: UInt64($0 + 1)) }
        return ReleasedLine(calls: calls, starting: starting, startAt: t0, validUntil: validUntil)
    }

    @Test func claimsTakeTheWaitingCallsInOrderUntilNoneIsLeftOrTheyExpire() throws {
        let line = try line(5, starting: 2, validUntil: t0 + second)
        #expect(line.takeStarting(now: t0) == 0, "the threads handed out at the release take the calls it started")
        #expect(line.takeStarting(now: t0) == 1)
        #expect(line.takeStarting(now: t0) == nil)
        #expect(line.claim(now: t0 + 10) == 2, "the first call behind the ones the release started")
        #expect(line.start(of: 2) == t0 + 10)
        #expect(line.claim(now: t0 + 20) == 3)
        #expect(line.claim(now: t0 + second + 1) == nil, "none after validUntil: the state machine decides")
        #expect(line.claim(now: t0 + 30) == 4)
        #expect(line.claim(now: t0 + 40) == nil, "none left")
        #expect(line.start(of: 0) == t0, "the release's calls start at its instant")
    }

    @Test func aThreadWhoseRunEndedTakesAStartedCallALateThreadHasNotTaken() throws {
        let line = try line(4, starting: 2, validUntil: t0 + second)
        #expect(line.takeStarting(now: t0) == 0)
        #expect(line.claim(now: t0 + 5) == 1, "the second started call, before any waiting one")
        #expect(line.start(of: 1) == t0 + 5, "recorded from when it was taken")
        #expect(line.takeStarting(now: t0 + 6) == nil, "the late thread leaves: its slot went on in the other")
        #expect(line.claim(now: t0 + 7) == 2)
        line.close()
        #expect(line.isClosed)
        let late = try self.line(3, starting: 2, validUntil: t0)
        late.close()
        #expect(late.claim(now: t0 + second) == 0, "started calls run even after a close and past validUntil")
        #expect(late.takeStarting(now: t0 + second) == 1)
        #expect(late.claim(now: t0 + second) == nil)
    }

    @Test func aWithdrawnCallIsNeverClaimedAndAClaimedOneIsNeverWithdrawn() throws {
        let line = try line(4, starting: 1)
        #expect(line.takeStarting(now: t0) == 0)
        #expect(!line.withdraw(0), "a call the release started is never withdrawn")
        #expect(line.withdraw(1))
        #expect(line.withdraw(1), "withdrawn already: still true")
        #expect(line.claim(now: t0) == 2, "the withdrawn call is passed over")
        #expect(!line.withdraw(2), "claimed: it runs, and its claim records it")
        line.close()
        #expect(line.claim(now: t0) == nil, "no claim after a close")
        #expect(!line.withdraw(2))
        let collected = line.collect()
        #expect(collected.claims.map(\.call.id) == [3], "the claim is reported; the release's call 0 is not")
        #expect(collected.ends.isEmpty)
        line.end(2, completion: ok, startedAt: t0)
        line.end(0, completion: ok, startedAt: t0)
        #expect(!line.isSettled)
        let last = line.collect()
        #expect(last.claims.isEmpty, "each claim is reported once")
        #expect(last.ends.map(\.serial) == [1, 3])
        #expect(line.isSettled, "every call ended and collected, or withdrawn")
    }

    @Test func theClaimThatTookASlotIsReportedWithTheEndThatFreedIt() throws {
        let line = try line(3, starting: 1)
        #expect(line.takeStarting(now: t0) == 0)
        // A pool thread's order: claim the next call, then publish the end of its own.
        let next = line.claim(now: t0 + 5)
        line.end(0, completion: ok, startedAt: t0)
        let first = line.collect()
        #expect(next == 1)
        #expect(first.claims.map(\.call.run.serial) == [2])
        #expect(first.claims.map(\.startedAt) == [t0 + 5])
        #expect(first.ends.map(\.serial) == [1])
        #expect(first.ends.first?.startedAt == t0)
        #expect(line.collect().claims.isEmpty && line.collect().ends.isEmpty, "nothing new")
    }

    @Test func aClaimSaysWhetherItsEndCameInTheSameLook() throws {
        let line = try line(3, starting: 1)
        #expect(line.takeStarting(now: t0) == 0)
        #expect(line.claim(now: t0 + 1) == 1)
        line.end(0, completion: ok, startedAt: t0)
        line.end(1, completion: ok, startedAt: t0 + 1)
        #expect(line.claim(now: t0 + 2) == 2)
        let first = line.collect()
        #expect(first.claims.map(\.call.run.serial) == [2, 3])
        #expect(first.claims.map(\.endedToo) == [true, false], "the second's end is not in this look")
        #expect(first.ends.map(\.serial) == [1, 2])
        line.end(2, completion: ok, startedAt: t0 + 2)
        let second = line.collect()
        #expect(second.claims.isEmpty)
        #expect(second.ends.map(\.serial) == [3])
    }

    /// Threads claim and end as pool threads do while this thread collects and withdraws, one of them coming late:
    /// every call ends up called once and ended, or withdrawn and never called; never more calls at once than the
    /// release started; each claim is reported once, and no later than the end of the run whose slot it took.
    /// Reports its start and deadline as its output.
    struct Echo: HousekeeperTask {
        static let name = "echo"
        static let version = "0.0.1"
        static let summary = "reports its start and deadline"
        init(config: PluginConfig, context: CreateContext) throws(PluginError) {}
        func run(_ context: RunContext) throws(PluginError) {
            context.setOutput("\(context.startedAtMicroseconds)|\(context.deadlineMicroseconds ?? 0)")
        }
    }

    @Test func aLinesCallIsCarriedOutFromItsSlotWithItsStartAndTimeout() throws {
        let raw = try #require(PluginExport(Echo.self).entry(hostVersion: HousekeeperABI.packedVersion))
        let plugin = LoadedPlugin(
            descriptor: try PluginHandshake.validate(raw).get(), sourcePath: "echo.so", cachedPath: "echo.so",
            sha256: "", fileInfo: FileInfo(stat()))
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let instance = try plugin.makeInstance(taskName: "echo", configJSON: "{}", stateDirectory: "/tmp",
                                               logger: logger).get()
        defer { instance.destroy() }
        let task = ScheduledTask(
            spec: TaskSpec(name: "echo", plugin: "echo", schedule: nil, cron: nil, timeout: .seconds(30)),
            schedule: nil, zone: try TimeZoneRules(identifier: "UTC"), plugin: plugin, instance: instance)
        func call(serial: UInt64, executor: any RunExecutor) -> PreparedCall {
            PreparedCall(
                run: PendingRun(serial: serial, task: "echo", trigger: .schedule, scheduledAt: t0), id: Int64(serial),
                task: task, callTask: task, executor: executor, control: RunControl(), contextJSON: "{}",
                logger: logger)
        }
        // In process: made ready at arming. Any other executor: asked at the call, with the same start and deadline.
        let ready = call(serial: 1, executor: InProcessExecutor())
        let asked = call(serial: 2, executor: CallingExecutor { request, _ in
            .returned(RunResult(status: .ok, message: "", output: "\(request.startedAt)|\(request.deadline ?? 0)"))
        })
        #expect(ready.ready != nil && asked.ready == nil)
        let line = ReleasedLine(calls: [ready, asked], starting: 2, startAt: t0, validUntil: .max)
        let scratch = ErrorScratch()
        let expected = RunCompletion.returned(
            RunResult(status: .ok, message: "", output: "\(t0 + 250)|\(t0 + 250 + 30_000_000)"))
        #expect(line.execute(0, startedAt: t0 + 250, scratch: scratch) == expected)
        #expect(line.execute(1, startedAt: t0 + 250, scratch: scratch) == expected)
        #expect(line.scheduledAt(0) == t0 && line.scheduledAt(1) == t0)
        ready.control.requestStop()
        #expect(line.isStopRequested(0) && !line.isStopRequested(1))
    }

    @Test func threadsClaimingAndEndingWhileTheSchedulerCollectsAndWithdraws() async throws {
        let count = 3_000
        let starting = 4
        let line = try line(count, starting: starting)
        let called = (0..<count).map { _ in Counter() }
        // For each claim, the call whose end the claiming thread published right after it.
        let freedBy = Freed()
        let running = Counter()
        let most = Counter()
        let threads = (0..<starting).map { number in
            Thread {
                if number == starting - 1 { usleep(2_000) }  // woken late: its call is likely taken by then
                guard var index = line.takeStarting(now: t0) else { return }
                while true {
                    let now = running.value.add(1, ordering: .relaxed).newValue
                    most.value.max(now, ordering: .relaxed)
                    called[index].value.add(1, ordering: .relaxed)
                    running.value.subtract(1, ordering: .relaxed)
                    let next = line.claim(now: t0)
                    if let next { freedBy.map.withLock { $0[next] = index } }
                    line.end(index, completion: ok, startedAt: t0)
                    guard let next else { return }
                    index = next
                }
            }
        }
        threads.forEach { $0.start() }
        var claimedAt: [UInt64: Int] = [:]
        var endedAt: [UInt64: Int] = [:]
        var withdrawn: Set<Int> = []
        var look = 0
        var generator = SystemRandomNumberGenerator()
        while !line.isSettled {
            look += 1
            // Now and then withdraw a call further back, as the state machine does when it starts or drops one.
            if look % 7 == 0 {
                let index = Int.random(in: starting..<count, using: &generator)
                if line.withdraw(index) { withdrawn.insert(index) }
            }
            let collected = line.collect()
            for claim in collected.claims {
                #expect(claimedAt[claim.call.run.serial] == nil, "a claim reported twice")
                claimedAt[claim.call.run.serial] = look
            }
            for end in collected.ends {
                #expect(endedAt[end.serial] == nil, "an end reported twice")
                endedAt[end.serial] = look
            }
            if look > 10_000_000 { break }
        }
        #expect(line.isSettled)
        for index in 0..<count {
            let serial = UInt64(index + 1)
            let calls = called[index].value.load(ordering: .relaxed)
            if withdrawn.contains(index) {
                #expect(calls == 0, "withdrawn call \(index) was called")
                #expect(claimedAt[serial] == nil && endedAt[serial] == nil)
            } else {
                #expect(calls == 1, "call \(index) made \(calls) times")
                #expect(endedAt[serial] != nil, "call \(index) ended unreported")
                if index >= starting { #expect(claimedAt[serial] != nil, "claim of call \(index) unreported") }
            }
        }
        // A started call taken by a thread whose run ended is not reported as a claim: it ran from the release on.
        for (claimed, freed) in freedBy.map.withLock({ $0 }) where claimed >= starting {
            let claim = claimedAt[UInt64(claimed + 1)] ?? .max
            let end = endedAt[UInt64(freed + 1)] ?? .min
            #expect(claim <= end, "call \(claimed)'s claim reported after the end of call \(freed), whose slot it took")
        }
        #expect(withdrawn.count + claimedAt.count + starting == count)
        #expect(most.value.load(ordering: .relaxed) <= starting, "more calls at once than the release started")
    }
}
