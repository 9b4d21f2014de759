#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats instants the way history and placeholders show them.
public enum Timestamp {
    /// RFC 3339 in UTC with whole seconds, e.g. `2026-11-23T14:00:00Z`.
    /// - Parameter microseconds: an instant in microseconds since the Unix epoch.
    public static func rfc3339(microseconds: Int64) -> String {
        var seconds = microseconds / 1_000_000
        if microseconds % 1_000_000 < 0 { seconds -= 1 }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }
}
