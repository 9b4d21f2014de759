import Logging
import Testing
@testable import PluginHost

/// A run's call made ready ahead of its start (`ReadyCall`) hands the plugin what the request said and the start
/// and deadline it is called with, and one thread's error buffer carries no message from one call to the next.
@Suite struct ReadyCallTests {
    private func instance(_ workspace: TestWorkspace, config: String) throws -> PluginInstance {
        try workspace.buildPlugin("fixture.so")
        let plugin = try #require(workspace.load().plugins["fixture"])
        return try plugin.makeInstance(taskName: "nightly", configJSON: config, stateDirectory: "/tmp",
                                       logger: Logger.quiet).get()
    }

    @Test func theCallGetsTheRequestAndTheStartAndDeadlineItIsCalledWith() throws {
        let instance = try instance(TestWorkspace(), config: #"{"echo": true}"#)
        defer { instance.destroy() }
        let request = RunRequest(
            taskName: "nightly", runID: 1_234_567, scheduledAt: 1_700_000_000_000_000, startedAt: 1, attempt: 1,
            trigger: .dependency, contextJSON: #"{"cause": "é"}"#, deadline: 2)
        let control = RunControl()
        let ready = instance.readyCall(request, control: control, logger: Logger.quiet)
        // The request's start and deadline are not the call's: it is made later, with its own.
        let result = ready.call(startedAt: 1_700_000_000_000_250, deadline: 1_700_000_060_000_250)
        #expect(result.status == .ok)
        #expect(result.output == control.output)
        #expect(control.output == #"nightly|1234567|1700000000000000|1700000000000250|1700000060000250|1|5|{"cause": "é"}|15"#)

        let noDeadline = instance.readyCall(request, control: RunControl(), logger: Logger.quiet)
            .call(startedAt: 1_700_000_000_000_300, deadline: nil)
        #expect(noDeadline.output?.split(separator: "|")[4] == "0")
    }

    @Test func aReusedErrorBufferCarriesNoMessageIntoTheNextCall() throws {
        let instance = try instance(TestWorkspace(), config: "{}")
        defer { instance.destroy() }
        let scratch = ErrorScratch()
        let second = RunRequest(taskName: "t", runID: 1, scheduledAt: 0, startedAt: 0, attempt: 2, trigger: .retry)
        var first = second
        first.attempt = 1
        let failed = instance.readyCall(second, control: RunControl(), logger: Logger.quiet)
            .call(startedAt: 10, deadline: nil, scratch: scratch)
        #expect(failed.status == .retryable && failed.message == "second attempts always fail")
        let succeeded = instance.readyCall(first, control: RunControl(), logger: Logger.quiet)
            .call(startedAt: 20, deadline: nil, scratch: scratch)
        #expect(succeeded.status == .ok && succeeded.message == "")
    }

    @Test func aCallMadeReadyBeforeItsInstanceWasDestroyedFailsWithoutCallingThePlugin() throws {
        let instance = try instance(TestWorkspace(), config: #"{"echo": true}"#)
        let control = RunControl()
        let ready = instance.readyCall(
            RunRequest(taskName: "t", runID: 1, scheduledAt: 0, startedAt: 0, attempt: 1, trigger: .schedule),
            control: control, logger: Logger.quiet)
        instance.destroy()
        let result = ready.call(startedAt: 10, deadline: nil)
        #expect(result.status == .error && result.message.contains("was destroyed"))
        #expect(control.output == nil)
    }
}
