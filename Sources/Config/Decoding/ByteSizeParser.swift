/// Parses memory sizes as written in the configuration: `512MiB`, `2GiB`, `64MB`, `4096` (bytes).
///
/// Binary units (`KiB`, `MiB`, `GiB`, `TiB`) are powers of 1024, decimal ones (`kB`/`KB`, `MB`, `GB`, `TB`)
/// powers of 1000, `B` is bytes; a plain whole number is bytes too.
enum ByteSizeParser {
    /// What a valid size looks like, appended to every size error.
    static let formatHelp = "write a whole number with a unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB), e.g. 512MiB"

    private static let units: [String: UInt64] = [
        "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
        "kB": 1_000, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
    ]

    /// The number of bytes `text` denotes, or nil when it is not a valid size.
    static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingSpaces
        let digits = trimmed.prefix { ("0"..."9").contains($0) }
        guard !digits.isEmpty, digits.count <= 15, let amount = UInt64(digits) else { return nil }
        let unit = String(trimmed.dropFirst(digits.count)).trimmingSpaces
        guard let scale = unit.isEmpty ? 1 : units[unit] else { return nil }
        let (bytes, overflow) = amount.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }
}

extension String {
    /// The text without leading and trailing spaces.
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
