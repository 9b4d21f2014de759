/// What a probe process found in a plugin file.
public enum ProbeVerdict: Sendable, Hashable {
    /// The file loaded and passed the ABI handshake in the probe; this is its descriptor.
    case accepted(ProbedDescriptor)
    /// The file must not be loaded: it crashed or hung while loading, or failed the handshake. The reason says
    /// which, e.g. `the probe crashed with SIGSEGV (segmentation fault) while loading the file`.
    case rejected(String)

    /// The rejection reason, or `nil` when accepted.
    public var rejectionReason: String? {
        if case .rejected(let reason) = self { return reason }
        return nil
    }
}

/// A plugin descriptor as a probe reported it.
public struct ProbedDescriptor: Sendable, Hashable {
    /// The plugin's name.
    public var name: String
    /// The plugin's own version.
    public var version: String
    /// Its one-line description (empty when none).
    public var summary: String
    /// The packed ABI version it was built against.
    public var abiVersion: UInt32
    /// Its ABI fingerprint.
    public var fingerprint: String
}

/// Which version of a file a verdict is about: it is probed again only when one of these changes.
public struct ProbeKey: Sendable, Hashable {
    /// `st_dev`.
    public var device: UInt64
    /// `st_ino`.
    public var inode: UInt64
    /// `st_size`.
    public var size: Int64
    /// `st_mtim` in nanoseconds since the epoch.
    public var modifiedNanoseconds: Int64
    /// SHA-256 of the content, lowercase hex.
    public var sha256: String
}
