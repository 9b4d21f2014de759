import Foundation

/// RFC 3339 timestamps in UTC with microseconds (`2026-11-23T14:05:00.000123Z`), as history, logs and the API
/// write them.
public enum UTCTimestamp {
    /// Formats microseconds since the Unix epoch.
    public static func rfc3339(micros: Int64) -> String {
        var seconds = time_t(micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000)
        let fraction = Int(micros - Int64(seconds) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(fraction, 6))Z"
    }

    /// Parses `2026-11-23T14:05:00Z` (fraction and offset optional) or whole seconds since the epoch.
    /// - Returns: microseconds since the epoch, or nil when the text is neither.
    public static func parse(_ text: String) -> Int64? {
        if let seconds = Int64(text) { return seconds * 1_000_000 }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) * 1_000_000 }
        return nil
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
