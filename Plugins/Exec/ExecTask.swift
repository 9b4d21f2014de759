import HousekeeperPlugin

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a command: argv without a shell (or a string through `/bin/sh -c` with `shell: true`), its own process
/// group, captured output, and an exit status that decides success.
///
/// Config: `command` (argv list, or a string with `shell: true`; required), `shell`, `env` (mapping),
/// `inherit_environment` (default true), `working_directory`, `stdin` (text), `timeout`, `kill_after` (grace
/// between SIGTERM and SIGKILL, default 10s), `success_codes` (default [0]), `max_output` (kept per stream,
/// default 16KiB, at most 30KiB). `command`, `env` values and `stdin` may use the run placeholders
/// (`${task}`, `${run_id}`, `${scheduled_at}`, `${error}`, ...).
struct ExecTask: HousekeeperTask {
    static let name = "exec"
    static let version = "1.0.0"
    static let summary = "Runs a command in its own process group; exit status decides success"

    let command: [String]
    let shell: Bool
    let environment: [String: String]
    let inheritEnvironment: Bool
    let workingDirectory: String?
    let stdin: String?
    let timeout: Double?
    let killAfter: Double
    let successCodes: Set<Int>
    let maxOutput: Int

    init(config: PluginConfig, context: CreateContext) throws(PluginError) {
        try config.allowOnly(["command", "shell", "env", "inherit_environment", "working_directory", "stdin",
                              "timeout", "kill_after", "success_codes", "max_output"])
        shell = try config.bool("shell") ?? false
        guard let value = config["command"] else { throw PluginError.config(key: "command", "required key is missing") }
        if shell {
            guard case .string(let line) = value, !line.isEmpty else {
                throw PluginError.config(key: "command", "with shell: true, must be one non-empty string for /bin/sh -c")
            }
            command = [line]
        } else {
            guard case .array = value else {
                throw PluginError.config(key: "command", "must be a list of arguments such as [gzip, -9, file] "
                    + "(no shell is used); to run a shell line, set shell: true")
            }
            command = try config.stringList("command") ?? []
            guard let program = command.first, !program.isEmpty else {
                throw PluginError.config(key: "command", "must name a program as its first item")
            }
        }
        for (index, argument) in command.enumerated() {
            try RunPlaceholders.validate(argument, key: shell ? "command" : "command[\(index)]")
        }
        environment = try config.stringMap("env") ?? [:]
        for (name, value) in environment {
            guard !name.isEmpty, !name.contains("="), !name.contains("\0") else {
                throw PluginError.config(key: "env.\(name)", "is not a valid environment variable name")
            }
            try RunPlaceholders.validate(value, key: "env.\(name)")
        }
        inheritEnvironment = try config.bool("inherit_environment") ?? true
        workingDirectory = try config.string("working_directory")
        if let directory = workingDirectory, !directory.hasPrefix("/") {
            throw PluginError.config(key: "working_directory", "must be an absolute path, not \"\(directory)\"")
        }
        stdin = try config.string("stdin")
        if let stdin { try RunPlaceholders.validate(stdin, key: "stdin") }
        timeout = try config.duration("timeout")
        if let timeout, timeout <= 0 { throw PluginError.config(key: "timeout", "must be longer than 0") }
        killAfter = try config.duration("kill_after") ?? 10
        let codes = try config.intList("success_codes") ?? [0]
        guard !codes.isEmpty, codes.allSatisfy({ (0...255).contains($0) }) else {
            throw PluginError.config(key: "success_codes", "must list exit codes between 0 and 255")
        }
        successCodes = Set(codes)
        let limit = try config.byteSize("max_output") ?? 16_384
        guard (1...30_720).contains(limit) else {
            throw PluginError.config(key: "max_output", "must be between 1 byte and 30KiB (the run output holds 64KiB)")
        }
        maxOutput = Int(limit)
    }

    func run(_ context: RunContext) throws(PluginError) {
        let placeholders = RunPlaceholders(context)
        var arguments: [String] = []
        for (index, argument) in command.enumerated() {
            arguments.append(try placeholders.expand(argument, key: "command[\(index)]"))
        }
        if shell { arguments = ["/bin/sh", "-c", arguments[0]] }
        var variables: [String: String] = inheritEnvironment ? Self.currentEnvironment() : [:]
        for (name, value) in environment { variables[name] = try placeholders.expand(value, key: "env.\(name)") }
        let input = try stdin.map { text throws(PluginError) in Array(try placeholders.expand(text, key: "stdin").utf8) }
        let spec = ChildSpec(arguments: arguments, environment: variables.map { "\($0.key)=\($0.value)" }.sorted(),
                             workingDirectory: workingDirectory, stdin: input, timeout: timeout,
                             killAfter: killAfter, outputLimit: maxOutput)
        let outcome = try ChildProcess.run(spec, shouldStop: { context.shouldStop }) { pid in
            context.log("started \(arguments[0]) as pid \(pid)", level: .debug)
        }
        context.setOutput(output(arguments, outcome))
        if outcome.stopped { throw PluginError.cancelled }
        if outcome.timedOut {
            throw PluginError(.error, "command timed out after \(Self.format(timeout ?? 0)); sent SIGTERM"
                + (outcome.killed ? ", then SIGKILL after \(Self.format(killAfter))" : ""))
        }
        if let signal = outcome.signal {
            throw PluginError(.error, "command was killed by signal \(signal)\(Self.tail(outcome))")
        }
        guard let code = outcome.exitCode else {
            // waitpid found no child: something else reaped it (a daemon that sets SIGCHLD to SIG_IGN).
            throw PluginError(.error, "command's exit status was lost (another part of the process reaped it)")
        }
        if !successCodes.contains(Int(code)) {
            throw PluginError(.error, "command exited with status \(code)\(Self.tail(outcome))")
        }
    }

    private func output(_ arguments: [String], _ outcome: ChildOutcome) -> JSONValue {
        .object([
            "command": .array(arguments.map { .string($0) }),
            "pid": .number(Double(outcome.pid)),
            "exit_code": outcome.exitCode.map { .number(Double($0)) } ?? .null,
            "signal": outcome.signal.map { .number(Double($0)) } ?? .null,
            "timed_out": .bool(outcome.timedOut),
            "stopped": .bool(outcome.stopped),
            "killed": .bool(outcome.killed),
            "duration_ms": .number(outcome.durationMilliseconds),
            "stdout": .string(outcome.stdout.text),
            "stdout_bytes": .number(Double(outcome.stdout.totalBytes)),
            "stdout_truncated": .bool(outcome.stdout.wasTruncated),
            "stderr": .string(outcome.stderr.text),
            "stderr_bytes": .number(Double(outcome.stderr.totalBytes)),
            "stderr_truncated": .bool(outcome.stderr.wasTruncated),
        ])
    }

    /// `: <last stderr line>` (or stdout's), for failure messages.
    private static func tail(_ outcome: ChildOutcome) -> String {
        let line = outcome.stderr.lastLine.isEmpty ? outcome.stdout.lastLine : outcome.stderr.lastLine
        return line.isEmpty ? "" : ": " + String(line.prefix(300))
    }

    private static func format(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : "\(seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds))s"
    }

    /// The host's environment as a mapping.
    private static func currentEnvironment() -> [String: String] {
        var variables: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return variables
    }
}
