import Foundation

/// The small, versioned protocol between the daemon and its worker and probe processes.
///
/// Every message is one frame: a little-endian `UInt32` length (of what follows), a one-byte kind and a JSON
/// payload. The daemon writes a `request` to the worker's standard input (a socket); the worker writes every
/// other message to descriptor 3, starting with `hello`, which carries the protocol version. The worker's own
/// standard output and error are a separate pipe, so a plugin printing to stdout cannot corrupt the protocol.
/// A crash note is written by a C signal handler (see `hk_install_crash_note`), so its layout is fixed here too.
public enum WorkerProtocol {
    /// The version both sides must speak; a worker refuses a request of another version.
    public static let version = 1
    /// The descriptor the worker writes messages to.
    static let messageDescriptor: Int32 = 3
    /// The largest frame accepted (the output limit plus room for JSON escaping and the rest).
    static let maximumFrame = 1 << 20

    /// A frame's kind byte.
    enum Kind: UInt8 {
        case request = 0x51   // "Q": daemon → worker
        case hello = 0x48     // "H"
        case log = 0x4C       // "L"
        case progress = 0x50  // "P"
        case output = 0x4F    // "O"
        case result = 0x52    // "R"
        case failure = 0x46   // "F": the worker could not load the plugin or create the instance
        case crashNote = 0x43 // "C": written by the C crash handler
        case descriptor = 0x44 // "D": a probe's handshake result
        case limits = 0x4D    // "M": the limits the worker applied
    }

    /// Encodes one frame.
    static func frame<Payload: Encodable>(_ kind: Kind, _ payload: Payload) -> [UInt8] {
        let body = (try? JSONEncoder().encode(payload)).map(Array.init) ?? Array("{}".utf8)
        let length = UInt32(body.count + 1)
        return withUnsafeBytes(of: length.littleEndian, Array.init) + [kind.rawValue] + body
    }
}

/// What the daemon asks a worker to do.
struct WorkerRequest: Codable, Sendable {
    /// `WorkerProtocol.version` of the daemon.
    var version: Int
    /// The private plugin copy to dlopen.
    var pluginPath: String
    /// The plugin directory's file it came from (for messages).
    var sourcePath: String
    /// The plugin name the daemon expects at that path.
    var pluginName: String
    /// The task's name.
    var taskName: String
    /// The task's `config:` as a JSON object.
    var configJSON: String
    /// The task's state directory.
    var stateDirectory: String
    /// Run fields (`RunRequest`); absent for a create-only check.
    var run: RunFields?
    /// Resource limits to apply before loading.
    var memoryBytes: UInt64?
    var cpuSeconds: UInt64?
    var openFiles: UInt64?
    /// How long the worker keeps going after the daemon vanished (its end of the socket closed), in ms.
    var orphanGraceMilliseconds: Int64

    /// The `RunRequest` fields.
    struct RunFields: Codable, Sendable {
        var runID: Int64
        var scheduledAt: Int64
        var startedAt: Int64
        var attempt: Int
        var trigger: String
        var contextJSON: String
        var deadline: Int64?
    }
}

/// The first message of a worker or probe.
struct HelloMessage: Codable, Sendable {
    var version: Int
    var pid: Int32
}

/// A log line from the plugin or the worker.
struct LogMessage: Codable, Sendable {
    /// A swift-log level name (`info`, `warning`...).
    var level: String
    var message: String
}

/// A progress report.
struct ProgressMessage: Codable, Sendable {
    var fraction: Double?
    var message: String?
}

/// The run's output, sent once before the result.
struct OutputMessage: Codable, Sendable {
    var output: String
    var truncated: Bool
}

/// How `run` (or, for a create-only check, `create`) returned.
struct ResultMessage: Codable, Sendable {
    var status: Int32
    var message: String
    /// The worker's peak address space in bytes after the call.
    var peakAddressSpace: UInt64
    /// The address-space limit the worker set, if any.
    var addressSpaceLimit: UInt64?
    /// How many descriptors the worker held open after the call (to recognise `open_files` exhaustion).
    var openDescriptors: Int? = nil
}

/// Why a worker could not run the plugin: it does not load, the handshake fails, or `create` refused.
struct FailureMessage: Codable, Sendable {
    /// `load`, `create` or `protocol`.
    var stage: String
    /// The plugin status for `create`, otherwise `HK_STATUS_ERROR`.
    var status: Int32
    var message: String
}

/// The limits a worker applied to itself, sent before it loads the plugin.
struct LimitsMessage: Codable, Sendable {
    /// The address-space limit in bytes: the worker's own size when it set it plus `limits.memory`.
    var addressSpaceLimit: UInt64?
    /// The CPU limit in seconds.
    var cpuSeconds: UInt64?
    /// The descriptor limit.
    var openFiles: UInt64?
}

/// What the C crash handler writes just before the worker dies of a signal.
struct CrashNoteMessage: Codable, Sendable {
    var signal: Int32
    var addressSpace: UInt64
}

/// What a probe found in a file that passed the handshake.
struct DescriptorMessage: Codable, Sendable {
    var name: String
    var version: String
    var summary: String
    var abiVersion: UInt32
    var fingerprint: String
}
