import PluginABI

/// Versions and fingerprints of the plugin ABI as this module was compiled, shared by the host and Swift plugins.
///
/// Both sides compute the Swift fingerprint the same way, so a host refuses a Swift plugin built by another
/// toolchain: Swift on Linux has no stable ABI, and host and plugin share one Swift runtime.
public enum HousekeeperABI {
    /// The major ABI version (`HK_ABI_VERSION_MAJOR`).
    public static let major = UInt32(HK_ABI_VERSION_MAJOR)
    /// The minor ABI version (`HK_ABI_VERSION_MINOR`).
    public static let minor = UInt32(HK_ABI_VERSION_MINOR)
    /// The packed version (`HK_ABI_VERSION`): major in the high 16 bits, minor in the low 16 bits.
    public static let packedVersion = major << 16 | minor
    /// The fingerprint of plugins written against the C types only (`HK_ABI_FINGERPRINT_C`).
    public static let cFingerprint = "hk-abi-\(major);c"
    /// The prefix every Swift fingerprint starts with.
    public static let swiftFingerprintPrefix = "hk-abi-\(major);swift-"
    /// The fingerprint of Swift code compiled by this toolchain, e.g. `hk-abi-1;swift-6.3.1`.
    public static let swiftFingerprint = swiftFingerprintPrefix + compilerVersion

    /// Formats a packed version as `major.minor`.
    /// - Parameter packed: a packed version such as `HK_ABI_VERSION`.
    public static func describe(_ packed: UInt32) -> String {
        "\(packed >> 16).\(packed & 0xFFFF)"
    }

    /// The compiler version this module was built with. `#if compiler` is the only portable way to read it;
    /// extend the ladder when a new toolchain is adopted (an unknown newer one is named by its lower bound).
    static var compilerVersion: String {
        #if compiler(>=6.4)
        return "6.4-or-newer"
        #elseif compiler(>=6.3.2)
        return "6.3.2-or-newer"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2.1)
        return "6.2.1-or-newer"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }
}
