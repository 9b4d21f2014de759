/// Parsers for the unit-carrying values plugin configs share: durations (`90s`, `1h30m`, `7d`) and byte sizes
/// (`512MiB`, `10GB`). Pure functions, so `create` can validate a value and name the key on failure.
public enum ConfigUnits {
    /// Seconds per duration unit, longest suffix first so `ms` wins over `m`.
    private static let durationUnits: [(String, Double)] = [
        ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800),
    ]

    /// Bytes per size unit: SI units are powers of 1000, IEC units (`KiB`, `MiB`, ...) powers of 1024.
    private static let sizeUnits: [String: Double] = [
        "": 1, "b": 1,
        "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
        "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
    ]

    /// Parses a duration: a sequence of `<number><unit>` parts with units `ms`, `s`, `m`, `h`, `d` (24 h), `w`
    /// (7 d), e.g. `30d`, `1h30m`, `1.5s`, `500ms`; a bare number means seconds.
    /// - Parameter text: the written duration.
    /// - Returns: the duration in seconds, or `nil` when the text is not a duration.
    public static func seconds(parsing text: String) -> Double? {
        let trimmed = text.filter { $0 != " " && $0 != "_" }
        guard !trimmed.isEmpty else { return nil }
        if let bare = Double(trimmed) { return bare.isFinite && bare >= 0 ? bare : nil }
        var total = 0.0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let letters = rest.prefix { $0.isLetter }
            guard let unit = durationUnits.first(where: { $0.0 == letters.lowercased() }) else { return nil }
            rest = rest.dropFirst(letters.count)
            total += value * unit.1
        }
        return total.isFinite ? total : nil
    }

    /// Parses a byte size: a number and an optional unit, `B`, `KB`/`MB`/`GB`/`TB` (powers of 1000) or
    /// `KiB`/`MiB`/`GiB`/`TiB` (powers of 1024), case-insensitive, e.g. `512MiB`, `1.5GB`, `4096`.
    /// - Parameter text: the written size.
    /// - Returns: the size in bytes (rounded down), or `nil` when the text is not a size.
    public static func bytes(parsing text: String) -> Int64? {
        let trimmed = text.filter { $0 != " " && $0 != "_" }
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !number.isEmpty, let value = Double(number),
              let factor = sizeUnits[trimmed.dropFirst(number.count).lowercased()]
        else { return nil }
        let bytes = value * factor
        guard bytes.isFinite, bytes >= 0, bytes < 9.2e18 else { return nil }
        return Int64(bytes)
    }
}
