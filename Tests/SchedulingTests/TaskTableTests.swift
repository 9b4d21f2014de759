import Cron
@testable import Scheduling
import Testing

/// The state machine's task table: states in an array behind a name index, changed in place, optionally sharing
/// the generation's index.
struct TaskTableTests {
    @Test func statesAreAddedFoundAndChangedInPlace() throws {
        var table = TaskTable()
        table["a"] = SchedulerStateMachine.TaskState(definition: try definition("a"))
        table["b"] = SchedulerStateMachine.TaskState(definition: try definition("b"))
        table["a"]?.waiting += 2
        table["a"]?.running.insert(7)
        table["missing"]?.waiting += 1
        #expect(table["a"]?.waiting == 2 && table["a"]?.running == [7] && table["b"]?.waiting == 0)
        #expect(table["missing"] == nil && Set(table.names) == ["a", "b"])
        #expect(table.index == ["a": 0, "b": 1])
        table["a"] = nil
        #expect(table["a"] == nil && table.names == ["b"])
    }

    @Test func installingWithTheGenerationsIndexMatchesInstallingWithout() throws {
        let definitions = try ["a", "b", "c"].map { try definition($0, "*/5 * * * * *") }
        var own = SchedulerStateMachine(maxRunning: 2)
        var shared = SchedulerStateMachine(maxRunning: 2)
        let index: [String: Int32] = ["a": 0, "b": 1, "c": 2]
        let ownActions = own.install(definitions, maxRunning: 2, now: t0)
        let sharedActions = shared.install(definitions, maxRunning: 2, now: t0, index: index)
        #expect(ownActions.map(Did.init) == sharedActions.map(Did.init))
        #expect(shared.tasks.index == index)
        for name in ["a", "b", "c"] { #expect(shared.nextFire(of: name) == own.nextFire(of: name)) }
        let ownRuns = own.advance(to: t0 + 5 * second).map(Did.init)
        #expect(shared.advance(to: t0 + 5 * second).map(Did.init) == ownRuns)
        #expect(shared.queuedCount == 1)
        // A reload without "a" and with a new "d": the waiting run of a removed task is dropped either way.
        let reloaded = [definitions[2], definitions[1], try definition("d", "*/5 * * * * *")]
        let ownReload = own.install(reloaded, maxRunning: 2, now: t0 + 6 * second).map(Did.init)
        let sharedReload = shared.install(
            reloaded, maxRunning: 2, now: t0 + 6 * second, index: ["c": 0, "b": 1, "d": 2]).map(Did.init)
        #expect(ownReload == sharedReload)
        #expect(Set(shared.tasks.names) == ["b", "c", "d"] && shared.activeRuns(of: "a") == 0)
        #expect(shared.nextFire(of: "d") == own.nextFire(of: "d") && shared.runningCount == own.runningCount)
    }

    @Test func aTaskStateKeepsItsFieldsInFortyBytes() throws {
        var state = SchedulerStateMachine.TaskState(definition: try definition("a"))
        #expect(MemoryLayout<SchedulerStateMachine.TaskState>.stride == 40)
        #expect(state.nextFire == nil && state.version == 0 && state.waiting == 0)
        state.nextFire = t0
        state.waiting += 3
        state.version = Int(UInt32.max)
        #expect(state.nextFire == t0 && state.waiting == 3 && state.version == Int(UInt32.max))
        state.version += 1
        state.nextFire = nil
        #expect(state.version == 0 && state.nextFire == nil)
    }
}
