import Crypto
import Foundation
public import Logging
public import PluginHost
import Synchronization
import CIsolation

/// Loads each new or changed plugin file in a short-lived probe process first (`housekeeper probe FILE`), so a
/// file that crashes or hangs while loading is rejected without ever running in the daemon.
///
/// Verdicts are cached on the file's device, inode, size, modification time and SHA-256: a rejected file is not
/// probed again until it changes. Give one probe to the `PluginLoader` (it is a `PluginVetter`) and keep it for
/// the daemon's life so reloads reuse the verdicts. Blocking: call it on a host-owned thread.
public final class PluginProbe: PluginVetter, Sendable {
    /// The executable to spawn (the daemon's own by default).
    public let executable: String
    /// The arguments that select probe mode (`["probe"]`); the file is appended.
    public let arguments: [String]
    /// How long loading may take before the probe counts as hung and is killed.
    public let timeLimit: Duration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var verdicts: [ProbeKey: ProbeVerdict] = [:]
        var spawned = 0
    }

    /// Creates a probe.
    /// - Parameters:
    ///   - executable: the program to spawn; defaults to this process's own executable (`/proc/self/exe`).
    ///   - arguments: the arguments selecting probe mode.
    ///   - timeLimit: how long a probe may take (default 5 s).
    ///   - logger: receives a line per probe run and per rejection.
    public init(executable: String? = nil, arguments: [String] = ["probe"], timeLimit: Duration = .seconds(5),
                logger: Logger) {
        self.executable = executable ?? Posix.ownExecutable
        self.arguments = arguments
        self.timeLimit = timeLimit
        self.logger = logger
    }

    /// How many probe processes were started so far (cache misses).
    public var probeCount: Int { state.withLock { $0.spawned } }

    /// The verdict for the file at `path`, from the cache when the file did not change since it was probed.
    /// - Parameters:
    ///   - path: the file to judge (its identity and content form the cache key).
    ///   - copy: the file the probe loads, when it differs (the loader's private copy of the same bytes).
    ///   - sha256: the content hash, when the caller already computed it.
    public func verdict(for path: String, copy: String? = nil, sha256: String? = nil) -> ProbeVerdict {
        var status = stat()
        guard stat(path, &status) == 0 else {
            return .rejected("cannot inspect \(path): \(String(cString: strerror(errno)))")
        }
        let hash: String
        if let sha256 {
            hash = sha256
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                return .rejected("cannot read \(path)")
            }
            hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        let key = ProbeKey(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modifiedNanoseconds: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec),
            sha256: hash)
        if let known = state.withLock({ $0.verdicts[key] }) { return known }
        let verdict = probe(copy ?? path)
        state.withLock {
            $0.verdicts[key] = verdict
            $0.spawned += 1
        }
        switch verdict {
        case .accepted(let descriptor):
            logger.debug("plugin.probe.accepted", metadata: ["plugin.path": "\(path)", "plugin.name": "\(descriptor.name)"])
        case .rejected(let reason):
            logger.warning("plugin.probe.rejected", metadata: ["plugin.path": "\(path)", "reason": "\(reason)"])
        }
        return verdict
    }

    /// `PluginVetter`: the rejection reason for the loader, or `nil` to load the file.
    public func rejection(forFile path: String, copy: String, sha256: String) -> String? {
        verdict(for: path, copy: copy, sha256: sha256).rejectionReason
    }

    /// Runs one probe process on `file`.
    private func probe(_ file: String) -> ProbeVerdict {
        let channels: WorkerChannels
        do {
            channels = try WorkerChannels.make()
        } catch {
            return .rejected("cannot probe: \(error)")
        }
        let environment = ["PATH": WorkerProcessExecutor.defaultPath, "SWIFT_BACKTRACE": "enable=no"]
        let spawned = Spawner.spawn(executable: executable, arguments: arguments + [file], environment: environment,
                                    workingDirectory: nil, descriptors: channels.childDescriptors)
        channels.closeChildEnds()
        defer { channels.closeParentEnds() }
        guard case .success(let pid) = spawned else {
            if case .failure(let error) = spawned { return .rejected("cannot start the probe process: \(error)") }
            return .rejected("cannot start the probe process")
        }
        return ProbeSession(pid: pid, channels: channels, timeLimit: timeLimit).watch()
    }
}
