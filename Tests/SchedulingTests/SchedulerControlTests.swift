import Config
import PluginHost
@testable import Scheduling
import Testing

/// The operator's controls in the state machine: forced requests, cancel, and pauses set before install.
struct SchedulerControlTests {
    @Test func aForcedRequestBypassesTheOverlapPolicyButNotTheGlobalLimit() throws {
        var h = Harness([try definition("a", nil), try definition("b", nil)], maxRunning: 2)
        #expect(did(h.request("a")) == [.start("a", .manual, t0)])
        #expect(did(h.request("a")) == [.skip("a", t0)], "overlap: skip applies to a plain request")
        let (_, forced) = h.machine.request(task: "a", trigger: .manual, force: true, context: nil, now: h.now)
        #expect(did(h.track(forced)) == [.start("a", .manual, t0)])
        let (_, waiting) = h.machine.request(task: "a", trigger: .manual, force: true, context: nil, now: h.now)
        #expect(did(h.track(waiting)) == [.queue("a", t0)], "max_running: 2 still holds a forced run")
    }

    @Test func aRequestCarriesItsContextAndNamesItsSerial() throws {
        var h = Harness([try definition("a", nil)])
        let (serial, actions) = h.machine.request(
            task: "a", trigger: .manual, force: false, context: "{\"retry_of\":7}", now: h.now)
        guard case .start(let run) = try #require(actions.first) else {
            Issue.record("expected a start, got \(actions)")
            return
        }
        #expect(run.serial == serial)
        #expect(run.context == "{\"retry_of\":7}")
    }

    @Test func cancellingARunningRunStopsItOnceAndItIsNotRetried() throws {
        let task = try definition("a", nil) { $0.retry = RetryPolicy(attempts: 3, delay: .seconds(1)) }
        var h = Harness([task])
        _ = h.request("a")
        let serial = try #require(h.running.first?.serial)
        #expect(did(h.machine.cancel(serial: serial, now: h.now)) == [.stop("a", .cancelled)])
        #expect(h.machine.cancel(serial: serial, now: h.now).isEmpty, "a second cancel changes nothing")
        #expect(did(h.advance(to: t0 + 11 * second)) == [.stuck("a")], "timeout_grace after the cancel")
        h.finish("a", .cancelled)
        #expect(h.machine.nextWakeup == nil, "no retry is scheduled")
        #expect(h.machine.runningCount == 0)
    }

    @Test func cancellingAWaitingRunDropsIt() throws {
        var h = Harness([try definition("a", nil), try definition("b", nil)], maxRunning: 1)
        _ = h.request("a")
        let (serial, queued) = h.machine.request(task: "b", trigger: .manual, force: false, context: nil, now: h.now)
        #expect(did(queued) == [.queue("b", t0)])
        #expect(h.machine.waitingRuns.map(\.serial) == [serial])
        #expect(did(h.machine.cancel(serial: serial, now: h.now)) == [.drop("b")])
        #expect(h.machine.waitingRuns.isEmpty)
        #expect(h.finish("a", .succeeded).isEmpty, "nothing left to start")
    }

    @Test func aPauseSetBeforeInstallAppliesToTheInstalledTask() throws {
        var machine = SchedulerStateMachine(maxRunning: 4)
        machine.setPaused("init", true)
        let task = try definition("init", nil) { $0.startup = true }
        _ = machine.install([task], maxRunning: 4, now: t0, startup: true)
        #expect(machine.isPaused("init"))
        #expect(did(machine.advance(to: t0)) == [.skip("init", t0)], "the start-up run of a paused task is skipped")
        machine.setPaused("init", false)
        _ = machine.install([task], maxRunning: 4, now: t0)
        #expect(!machine.isPaused("init"), "a resume is kept across installs too")
    }
}

/// Runs planned for later and config overrides (`POST /tasks/{name}/run` with `at`, `delay`, `config`).
struct PlannedRunTests {
    @Test func aPlannedRunWaitsForItsInstantThenIsDecidedLikeAManualRun() throws {
        var h = Harness([try definition("a", nil)])
        let serial = h.machine.requestLater(task: "a", at: t0 + 90 * second, context: "{\"planned_run_id\":3}")
        #expect(h.machine.nextWakeup == t0 + 90 * second)
        #expect(h.advance(to: t0 + 89 * second).isEmpty, "nothing before its instant")
        let actions = h.advance(to: t0 + 90 * second)
        #expect(did(actions) == [.start("a", .manual, t0 + 90 * second)])
        guard case .start(let run) = try #require(actions.first) else { return }
        #expect(run.serial == serial)
        #expect(run.context == "{\"planned_run_id\":3}")
        // A second one while the first still runs meets the overlap policy.
        _ = h.machine.requestLater(task: "a", at: t0 + 91 * second, context: nil)
        #expect(did(h.advance(to: t0 + 91 * second)) == [.skip("a", t0 + 91 * second)])
    }

    @Test func aPlannedRunMissedWhileBusyRunsAsSoonAsTheLoopLooks() throws {
        var h = Harness([try definition("a", nil)])
        _ = h.machine.requestLater(task: "a", at: t0 + second, context: nil)
        #expect(did(h.advance(to: t0 + 60 * second)) == [.start("a", .manual, t0 + second)], "late, not lost")
    }

    @Test func plannedRunsOfARemovedTaskAreForgotten() throws {
        var h = Harness([try definition("a", nil), try definition("b", nil)])
        let first = h.machine.requestLater(task: "a", at: t0 + 10 * second, context: nil)
        let then = h.machine.requestLater(task: "a", at: t0 + 20 * second, context: nil)
        _ = h.machine.requestLater(task: "b", at: t0 + 30 * second, context: nil)
        #expect(Set(h.machine.forgetPlanned(task: "a")) == [first, then])
        #expect(h.machine.nextWakeup == t0 + 30 * second)
        #expect(did(h.advance(to: t0 + 30 * second)) == [.start("b", .manual, t0 + 30 * second)])
        #expect(h.machine.forgetPlanned(task: "a").isEmpty)
    }

    @Test func aConfigOverrideIsAMergePatchOfTheTasksConfig() {
        let base = #"{"file":"/var/a","limits":{"depth":2,"size":10},"mode":"fast"}"#
        #expect(Scheduler.merge(config: base, override: #"{"file":"/tmp/b","limits":{"size":null},"mode":null}"#)
            == #"{"file":"/tmp/b","limits":{"depth":2}}"#)
        #expect(Scheduler.merge(config: "{}", override: #"{"n":1}"#) == #"{"n":1}"#)
        #expect(Scheduler.merge(config: base, override: "[1]") == nil, "an override must be an object")
    }
}
