import Foundation
import HousekeeperPlugin
import Synchronization
import Testing
@testable import PluginHost

/// The `exec` plugin against real child processes, including one that ignores SIGTERM.
@Suite struct ExecPluginTests {
    let harness: PluginHarness

    init() throws {
        harness = try PluginHarness("libExecPlugin.so", name: "exec")
    }

    /// JSON text for a string.
    static func json(_ text: String) -> String { JSONValue.string(text).jsonText }

    @Test func argvRunsWithoutAShellAndOutputIsCaptured() throws {
        let result = try harness.runOnce(#"{"command": ["printf", "%s|", "a b", "$HOME", "*"]}"#)
        #expect(result.status == .ok, "\(result.message)")
        let output = try outputObject(result)
        #expect(output["stdout"] as? String == "a b|$HOME|*|")
        #expect(output["exit_code"] as? Int == 0)
        #expect(output["signal"] is NSNull)
        #expect(output["command"] as? [String] == ["printf", "%s|", "a b", "$HOME", "*"])
    }

    @Test func shellTrueRunsALineWithTheConfiguredEnvironmentAndSuccessCodes() throws {
        let result = try harness.runOnce(#"""
            {"command": "echo \"$GREETING\"; echo warn >&2; exit 3", "shell": true,
             "env": {"GREETING": "hi there"}, "success_codes": [0, 3]}
            """#)
        #expect(result.status == .ok, "\(result.message)")
        let output = try outputObject(result)
        #expect(output["stdout"] as? String == "hi there\n")
        #expect(output["stderr"] as? String == "warn\n")
        #expect(output["exit_code"] as? Int == 3)
    }

    @Test func anExitCodeOutsideSuccessCodesFailsWithTheLastLineOfStderr() throws {
        let result = try harness.runOnce(#"{"command": ["sh", "-c", "echo first >&2; echo boom >&2; exit 2"]}"#)
        #expect(result.status == .error)
        #expect(result.message == "command exited with status 2: boom")
    }

    @Test func placeholdersAreExpandedInArgumentsEnvironmentAndStdin() throws {
        let config = #"""
            {"command": ["sh", "-c", "cat; echo \" $CAUSE\"", "${this_task}"],
             "env": {"CAUSE": "${task}#${run_id}"},
             "stdin": "${this_task} at ${scheduled_at}: ${task} failed: ${error}"}
            """#
        let context = #"{"cause": {"task": "backup", "status": "failed", "run_id": 7, "error": "disk full"}}"#
        let result = try harness.runOnce(config, request: PluginHarness.request(task: "alert", contextJSON: context))
        #expect(result.status == .ok, "\(result.message)")
        #expect(try outputObject(result)["stdout"] as? String
            == "alert at 2026-11-23T12:30:00Z: backup failed: disk full backup#7\n")
    }

    @Test func stdinLargerThanASocketBufferIsWrittenWhileOutputIsRead() throws {
        let input = String(repeating: "0123456789", count: 50_000)
        let result = try harness.runOnce(#"{"command": ["wc", "-c"], "stdin": "\#(input)"}"#)
        #expect(result.status == .ok, "\(result.message)")
        #expect((try outputObject(result)["stdout"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
            == "500000")
    }

    @Test func withoutInheritanceTheEnvironmentIsOnlyWhatEnvSays() throws {
        let result = try harness.runOnce(
            #"{"command": ["/usr/bin/env"], "inherit_environment": false, "env": {"ONLY": "this"}}"#)
        #expect(result.status == .ok, "\(result.message)")
        #expect(try outputObject(result)["stdout"] as? String == "ONLY=this\n")
    }

    @Test func theWorkingDirectoryIsSet() throws {
        let result = try harness.runOnce(#"{"command": ["pwd"], "working_directory": \#(Self.json(harness.scratch))}"#)
        #expect(result.status == .ok, "\(result.message)")
        #expect(try outputObject(result)["stdout"] as? String == harness.scratch + "\n")
    }

    @Test func outputIsCappedToItsEndAndTheTotalIsCounted() throws {
        let result = try harness.runOnce(#"""
            {"command": ["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x; echo END"], "max_output": "1KiB"}
            """#)
        #expect(result.status == .ok, "\(result.message)")
        let output = try outputObject(result)
        let stdout = try #require(output["stdout"] as? String)
        #expect(stdout.utf8.count == 1024 && stdout.hasSuffix("xxEND\n"))
        #expect(output["stdout_bytes"] as? Int == 100_004)
        #expect(output["stdout_truncated"] as? Bool == true)
    }

    @Test func theTimeoutStopsTheCommandAndFailsTheRun() throws {
        let result = try harness.runOnce(#"{"command": ["sleep", "30"], "timeout": "100ms"}"#)
        #expect(result.status == .error)
        #expect(result.message == "command timed out after 100ms; sent SIGTERM")
        let output = try outputObject(result)
        #expect(output["timed_out"] as? Bool == true)
        #expect(output["signal"] as? Int == Int(SIGTERM))
    }

    /// Runs `command` (which writes a line to the FIFO given as `$1` once it is ready), waits for that line,
    /// requests stop, and returns the result.
    private func stopWhenReady(_ script: String, extra: String = "") throws -> RunResult {
        let fifo = harness.scratch + "/ready"
        #expect(mkfifo(fifo, 0o644) == 0)
        let instance = try harness.instance(
            #"{"command": ["sh", "-c", \#(Self.json(script)), "sh", \#(Self.json(fifo))]\#(extra)}"#)
        defer { instance.destroy() }
        let control = RunControl()
        let finished = DispatchSemaphore(value: 0)
        let box = ResultBox()
        Thread.detachNewThread {
            box.set(instance.run(PluginHarness.request(), control: control, logger: .quiet))
            // If the command never opened the FIFO, open it ourselves so the test's blocking open returns.
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            finished.signal()
        }
        let reader = open(fifo, O_RDONLY)  // blocks until the child (or the fallback above) opens it
        var byte: UInt8 = 0
        while read(reader, &byte, 1) == 1 && byte != UInt8(ascii: "\n") {}
        close(reader)
        control.requestStop()
        finished.wait()
        return try #require(box.get())
    }

    @Test func stopSendsSigtermToTheProcessGroup() throws {
        let result = try stopWhenReady(#"echo ready > "$1"; exec sleep 30"#)
        #expect(result.status == .cancelled)
        let output = try outputObject(result)
        #expect(output["stopped"] as? Bool == true)
        #expect(output["killed"] as? Bool == false)
        #expect(output["signal"] as? Int == Int(SIGTERM))
    }

    @Test func aChildIgnoringSigtermIsKilledAfterTheGracePeriod() throws {
        let script = #"trap '' TERM; echo ready > "$1"; while :; do sleep 1; done"#
        let result = try stopWhenReady(script, extra: #", "kill_after": "100ms""#)
        #expect(result.status == .cancelled)
        let output = try outputObject(result)
        #expect(output["killed"] as? Bool == true)
        #expect(output["signal"] as? Int == Int(SIGKILL))
    }

    @Test func aMissingProgramFailsPermanently() throws {
        let result = try harness.runOnce(#"{"command": ["housekeeper-no-such-program"]}"#)
        #expect(result.status == .permanent)
        #expect(result.message == "command: cannot start housekeeper-no-such-program: No such file or directory")
    }

    @Test(arguments: [
        (#"{}"#, "command: required key is missing"),
        (#"{"command": "ls -l"}"#, "command: must be a list of arguments"),
        (#"{"command": []}"#, "command: must name a program"),
        (#"{"command": ["ls"], "shell": true}"#, "command: with shell: true, must be one non-empty string"),
        (#"{"command": ["echo", "${nope}"]}"#, "command[1]: unknown placeholder ${nope}"),
        (#"{"command": ["echo", "${task"]}"#, "command[1]: unclosed ${"),
        (#"{"command": ["ls"], "env": {"A=B": "x"}}"#, "env.A=B: is not a valid environment variable name"),
        (#"{"command": ["ls"], "env": {"A": [1]}}"#, "env.A: must be a string"),
        (#"{"command": ["ls"], "success_codes": [300]}"#, "success_codes: must list exit codes between 0 and 255"),
        (#"{"command": ["ls"], "max_output": "1MiB"}"#, "max_output: must be between 1 byte and 30KiB"),
        (#"{"command": ["ls"], "working_directory": "tmp"}"#, "working_directory: must be an absolute path"),
        (#"{"command": ["ls"], "timeout": 0}"#, "timeout: must be longer than 0"),
        (#"{"command": ["ls"], "stdin": 3}"#, "stdin: must be a string"),
        (#"{"command": ["ls"], "cmd": 3}"#, "cmd: unknown key"),
    ])
    func badConfigIsRefusedAtCreateNamingTheKey(config: String, message: String) throws {
        let failure = try #require(harness.createFailure(config), "accepted \(config)")
        #expect(failure.status == .configError)
        #expect(failure.message.hasPrefix(message), "\(failure.message)")
    }
}

/// A result handed from a worker thread to the test.
final class ResultBox: Sendable {
    private let value = Mutex<RunResult?>(nil)
    func set(_ result: RunResult) { value.withLock { $0 = result } }
    func get() -> RunResult? { value.withLock { $0 } }
}
