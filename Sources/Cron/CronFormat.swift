/// RFC 3339 formatting and parsing of instants.
public enum CronFormat {
    /// `2026-03-29T03:00:00+02:00` for `instant` in `zone` (`Z` is never used; UTC prints `+00:00`).
    public static func rfc3339(_ instant: EpochSeconds, in zone: TimeZoneRules) -> String {
        let offset = Int64(zone.offset(at: instant))
        let wall = instant + offset
        let dayNumber = CivilDate.floorDiv(wall, 86_400)
        let second = wall - dayNumber * 86_400
        let date = CivilDate.date(days: dayNumber)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        var text = pad(date.year, 4) + "-" + pad(Int64(date.month), 2) + "-" + pad(Int64(date.day), 2)
        text += "T" + pad(second / 3600, 2) + ":" + pad(second % 3600 / 60, 2) + ":" + pad(second % 60, 2)
        text += sign + pad(magnitude / 3600, 2) + ":" + pad(magnitude % 3600 / 60, 2)
        if magnitude % 60 != 0 { text += ":" + pad(magnitude % 60, 2) }
        return text
    }

    /// Parses `2026-03-29T03:00:00+02:00`, `2026-03-29T01:00:00Z` or `2026-03-29 01:00:00.250z`: an instant
    /// rounded down to the second, or nil when `text` is not RFC 3339 (a date-time with a `Z` or numeric offset).
    public static func parseRFC3339(_ text: String) -> EpochSeconds? {
        let bytes = Array(text.utf8)
        var index = 0
        /// Reads exactly `count` decimal digits.
        func digits(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<(index + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += count
            return value
        }
        /// Consumes one byte if it is one of `characters`.
        func eat(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), eat("-"), let month = digits(2), eat("-"), let day = digits(2),
            eat("Tt "), let hour = digits(2), eat(":"), let minute = digits(2), eat(":"), let second = digits(2),
            (1...12).contains(month), day >= 1, day <= Int64(CivilDate.daysInMonth(year: year, month: Int(month))),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        if eat(".") {
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            guard index > start else { return nil }
        }
        var offset: Int64 = 0
        if eat("Zz") {
            offset = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let negative = bytes[index] == UInt8(ascii: "-")
            index += 1
            guard let hours = digits(2), eat(":"), let minutes = digits(2), hours <= 23, minutes <= 59 else {
                return nil
            }
            offset = (hours * 3600 + minutes * 60) * (negative ? -1 : 1)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let wall = CivilDate.days(year: year, month: Int(month), day: Int(day)) * 86_400
            + hour * 3600 + minute * 60 + min(second, 59)
        return wall - offset
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
