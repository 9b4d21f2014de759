import CIsolation
import Glibc
import PluginHost

/// The probe process's side: what the hidden `housekeeper probe FILE` subcommand runs.
///
/// dlopens the file (running its constructors), performs the ABI handshake (calling its entry function) and
/// reports the descriptor, or why the file was refused, on descriptor 3. If loading crashes or hangs, the
/// daemon that spawned it sees a signal or a time-out instead, and the daemon itself never ran the code.
/// - Parameter arguments: the file to probe.
/// - Returns: the exit code: 0 after a report, 64 without a file argument.
public func runProbe(arguments: [String]) -> Int32 {
    _ = hk_install_crash_note(WorkerProtocol.messageDescriptor)
    let writer = MessageWriter(descriptor: WorkerProtocol.messageDescriptor)
    writer.send(.hello, HelloMessage(version: WorkerProtocol.version, pid: getpid()))
    guard let file = arguments.first(where: { !$0.hasPrefix("-") }) else {
        writer.send(.failure, FailureMessage(stage: "protocol", status: 1, message: "no file to probe"))
        return 64
    }
    switch PluginLoader.openDirect(path: file) {
    case .success(let plugin):
        writer.send(.descriptor, DescriptorMessage(
            name: plugin.name, version: plugin.version, summary: plugin.summary, abiVersion: plugin.abiVersion,
            fingerprint: plugin.abiFingerprint))
    case .failure(let rejection):
        writer.send(.failure, FailureMessage(stage: "load", status: 1, message: rejection.reason))
    }
    return 0
}
