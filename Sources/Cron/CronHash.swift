/// The stable hash behind `H`: FNV-1a over the seed's UTF-8 bytes, mixed per field with SplitMix64, so the
/// same task name picks the same values on every host and restart, and different fields pick independently.
enum CronHash {
    /// A stable 64-bit value for `seed` and `field`.
    static func value(seed: String, field: CronField) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var z = hash &+ 0x9e37_79b9_7f4a_7c15 &* UInt64(field.rawValue + 1)
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
