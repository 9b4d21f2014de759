/// Parses durations as written in the configuration: `30s`, `5m`, `1h30m`, `7d`, `250ms`, `1d12h`, or a plain
/// whole number of seconds.
///
/// Each part is a whole number and a unit (`d`, `h`, `m`, `s`, `ms`); units go from largest to smallest and
/// each appears at most once.
public enum DurationParser {
    /// What a valid duration looks like, appended to every duration error.
    static let formatHelp =
        "write a whole number with a unit (d, h, m, s, ms) from largest to smallest, e.g. 30s, 5m, 1h30m, "
        + "1d12h or 250ms, or a plain number of seconds"

    private static let units: [(name: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// The duration `text` denotes, or nil when it is not a valid duration.
    public static func parse(_ text: String) -> Duration? {
        let chars = Array(text.unicodeScalars)
        guard !chars.isEmpty else { return nil }
        if chars.allSatisfy(isDigit) {
            guard let seconds = Int64(text), seconds <= Int64.max / 1_000 else { return nil }
            return .seconds(seconds)
        }
        var total: Int64 = 0
        var index = 0
        var lastUnit = -1
        while index < chars.count {
            let digits = chars[index...].prefix(while: isDigit)
            guard !digits.isEmpty, digits.count <= 12 else { return nil }
            index += digits.count
            let letters = chars[index...].prefix { !isDigit($0) }
            index += letters.count
            let unitName = String(String.UnicodeScalarView(letters))
            guard let unit = units.firstIndex(where: { $0.name == unitName }), unit > lastUnit,
                let amount = Int64(String(String.UnicodeScalarView(digits)))
            else { return nil }
            lastUnit = unit
            let (product, overflow) = amount.multipliedReportingOverflow(by: units[unit].milliseconds)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return .milliseconds(total)
    }

    private static func isDigit(_ char: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(char)
    }
}
