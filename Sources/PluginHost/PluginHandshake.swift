import HousekeeperPlugin
import PluginABI

/// What a descriptor said, once every check passed.
struct ValidatedDescriptor: Sendable {
    var name: String
    var version: String
    var summary: String
    var abiVersion: UInt32
    var fingerprint: String
    var capabilities: UInt64
    var entryPoints: PluginEntryPoints
}

/// The ABI handshake with a freshly opened library: resolve the entry function, call it with the host's
/// version, copy the descriptor into a zeroed local and check every field. Each failure is a sentence.
enum PluginHandshake {
    /// The host's packed ABI version.
    static let hostVersion = HousekeeperABI.packedVersion
    /// The descriptor size this host knows.
    static let knownSize = MemoryLayout<hk_plugin_descriptor>.size
    /// The smallest descriptor that holds every field ABI 1.0 requires (everything before `reserved`).
    static let minimumSize = MemoryLayout<hk_plugin_descriptor>.offset(of: \.reserved)!

    private typealias EntryFunction = @convention(c) (UInt32) -> UnsafeRawPointer?

    /// Performs the handshake.
    /// - Returns: the checked descriptor, or why the plugin is refused.
    static func perform(library: LibraryHandle) -> Result<ValidatedDescriptor, PluginRejectionReason> {
        let address: UnsafeMutableRawPointer
        switch Syscalls.symbol(HK_ENTRY_SYMBOL, in: library) {
        case .success(let found): address = found
        case .failure(let error):
            return .failure(.init("not a housekeeper plugin: no entry function \(HK_ENTRY_SYMBOL) (\(error.message))"))
        }
        let entry = unsafeBitCast(address, to: EntryFunction.self)
        guard let raw = entry(hostVersion) else {
            return .failure(.init("the plugin refused this host: \(HK_ENTRY_SYMBOL) returned NULL for host ABI "
                + HousekeeperABI.describe(hostVersion)))
        }
        return validate(raw)
    }

    /// Checks the descriptor at `raw`, which the entry function returned.
    static func validate(_ raw: UnsafeRawPointer) -> Result<ValidatedDescriptor, PluginRejectionReason> {
        let size = Int(raw.load(as: UInt32.self))
        guard size >= 8 else { return .failure(.init("descriptor struct_size \(size) is too small")) }
        let version = raw.load(fromByteOffset: 4, as: UInt32.self)
        let host = HousekeeperABI.describe(hostVersion)
        let plugin = HousekeeperABI.describe(version)
        guard version >> 16 == hostVersion >> 16 else {
            return .failure(.init("ABI major version mismatch: plugin built for ABI \(plugin), host speaks ABI "
                + "\(host); rebuild the plugin against this host's housekeeper_plugin.h"))
        }
        guard version & 0xFFFF <= hostVersion & 0xFFFF else {
            return .failure(.init("plugin needs a newer host: plugin built for ABI \(plugin), host speaks ABI "
                + "\(host); upgrade housekeeper or rebuild the plugin against this host's header"))
        }
        guard size >= minimumSize else {
            return .failure(.init("descriptor struct_size \(size) is smaller than the \(minimumSize) bytes ABI "
                + "\(plugin) requires"))
        }
        var descriptor = hk_plugin_descriptor()
        withUnsafeMutableBytes(of: &descriptor) { local in
            local.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: min(size, knownSize)))
        }
        let reservedClear = withUnsafeBytes(of: descriptor.reserved) { $0.allSatisfy { $0 == 0 } }
        guard reservedClear else {
            return .failure(.init("descriptor reserved slots must be NULL (plugin built for ABI \(plugin), host "
                + "speaks ABI \(host))"))
        }
        guard let create = descriptor.create, let run = descriptor.run, let destroy = descriptor.destroy else {
            let missing = [("create", descriptor.create == nil), ("run", descriptor.run == nil),
                           ("destroy", descriptor.destroy == nil)].filter(\.1).map(\.0)
            return .failure(.init("descriptor lacks required function(s): \(missing.joined(separator: ", "))"))
        }
        guard let fingerprint = string(descriptor.abi_fingerprint) else {
            return .failure(.init("descriptor has no valid abi_fingerprint"))
        }
        if let problem = fingerprintProblem(fingerprint) { return .failure(.init(problem)) }
        guard let name = string(descriptor.name) else { return .failure(.init("descriptor has no valid name")) }
        if let problem = nameProblem(name) { return .failure(.init(problem)) }
        guard let pluginVersion = string(descriptor.version) else {
            return .failure(.init("plugin \(name): descriptor has no valid version"))
        }
        return .success(ValidatedDescriptor(
            name: name, version: pluginVersion, summary: string(descriptor.description) ?? "",
            abiVersion: version, fingerprint: fingerprint, capabilities: descriptor.capabilities,
            entryPoints: PluginEntryPoints(descriptor: raw.assumingMemoryBound(to: hk_plugin_descriptor.self),
                                           create: create, run: run, destroy: destroy)))
    }

    /// Why `fingerprint` is unacceptable, or `nil`: C plugins are fine, Swift ones need the host's toolchain.
    static func fingerprintProblem(_ fingerprint: String) -> String? {
        if fingerprint == HousekeeperABI.cFingerprint || fingerprint == HousekeeperABI.swiftFingerprint { return nil }
        if fingerprint.hasPrefix(HousekeeperABI.swiftFingerprintPrefix) {
            return "ABI fingerprint mismatch: plugin is \"\(fingerprint)\", host is \"\(HousekeeperABI.swiftFingerprint)\""
                + "; Swift plugins must be built with the host's Swift toolchain"
        }
        return "unknown ABI fingerprint \"\(fingerprint)\" (this host accepts \"\(HousekeeperABI.cFingerprint)\" "
            + "and \"\(HousekeeperABI.swiftFingerprint)\")"
    }

    /// Why `name` is not a valid plugin name (`[a-z0-9][a-z0-9._-]*`, at most 64 bytes), or `nil`.
    static func nameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        func isLowerAlnum(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) }
        guard let first = bytes.first, isLowerAlnum(first),
              bytes.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_")
                  || $0 == UInt8(ascii: "-") })
        else { return "invalid plugin name \"\(name)\": use [a-z0-9][a-z0-9._-]*" }
        guard bytes.count <= 64 else { return "invalid plugin name \"\(name)\": longer than 64 bytes" }
        return nil
    }

    /// A C string from the descriptor, or `nil` when NULL or not UTF-8.
    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(validatingCString: pointer)
    }
}

/// Why a library failed the handshake.
struct PluginRejectionReason: Error, Sendable, Hashable {
    var text: String
    init(_ text: String) { self.text = text }
}
