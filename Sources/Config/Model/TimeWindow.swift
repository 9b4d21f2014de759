/// A weekly time window in the task's zone, such as `Mon-Fri 09:00-17:00`, during which runs may start.
///
/// Written as `[DAYS] HH:MM-HH:MM`: DAYS is a comma list of days or day ranges (`Mon-Fri`, `Sat,Sun`, `Mon,Wed-Fri`)
/// and defaults to every day (`daily` is also accepted). The end is exclusive and may be `24:00`. A window whose end
/// is before its start runs overnight (`22:00-06:00`): it opens on the listed days and closes the next morning.
public struct TimeWindow: Sendable, Hashable, CustomStringConvertible {
    /// Days the window opens on: bit 0 is Sunday, bit 6 Saturday.
    public var days: UInt8
    /// Opening minute of the day, 0...1439.
    public var start: Int
    /// Closing minute of the day, 1...1440 (exclusive); less than or equal to `start` for overnight windows.
    public var end: Int
    /// The window as written.
    public var text: String

    /// The window as written.
    public var description: String { text }

    /// Whether a local wall time is inside the window.
    /// - Parameters:
    ///   - weekday: 0 for Sunday ... 6 for Saturday.
    ///   - minute: minute of the day, 0...1439.
    public func contains(weekday: Int, minute: Int) -> Bool {
        if start < end {
            return days & (1 << weekday) != 0 && minute >= start && minute < end
        }
        // Overnight: the evening part belongs to its own day, the morning part to the day before.
        let yesterday = (weekday + 6) % 7
        return (days & (1 << weekday) != 0 && minute >= start) || (days & (1 << yesterday) != 0 && minute < end)
    }

    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses a window.
    /// - Returns: the window, or a message saying what is wrong and how to write it.
    public static func parse(_ text: String) -> Result<TimeWindow, TimeWindowError> {
        let help = "write e.g. \"Mon-Fri 09:00-17:00\", \"Sat,Sun 10:00-12:00\" or \"22:00-06:00\""
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 1 || parts.count == 2 else {
            return .failure(TimeWindowError(message: "invalid window \"\(text)\"; \(help)"))
        }
        var days: UInt8 = 0x7F
        if parts.count == 2, parts[0].lowercased() != "daily" {
            days = 0
            for item in parts[0].split(separator: ",") {
                let bounds = item.split(separator: "-").map { $0.lowercased().prefix(3) }
                let indexes = bounds.compactMap { dayNames.firstIndex(of: String($0)) }
                guard indexes.count == bounds.count, (1...2).contains(indexes.count) else {
                    return .failure(TimeWindowError(message: "invalid days \"\(item)\" in window \"\(text)\"; use Mon, Tue, ... Sun or ranges like Mon-Fri"))
                }
                var day = indexes[0]
                let last = indexes.last!
                while true {
                    days |= 1 << day
                    if day == last { break }
                    day = (day + 1) % 7
                }
            }
        }
        let range = parts.last!.split(separator: "-")
        guard range.count == 2, let start = minute(of: range[0]), let end = minute(of: range[1]), start < 1440,
              start != end || (start == 0 && end == 1440)
        else {
            return .failure(TimeWindowError(message: "invalid time range \"\(parts.last!)\" in window \"\(text)\"; \(help)"))
        }
        return .success(TimeWindow(days: days, start: start, end: end, text: text))
    }

    private static func minute(of text: Substring) -> Int? {
        let fields = text.split(separator: ":")
        guard fields.count == 2, fields[1].count == 2, let hour = Int(fields[0]), let minute = Int(fields[1]),
              (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0
        else { return nil }
        return hour * 60 + minute
    }
}

/// Why a window could not be parsed.
public struct TimeWindowError: Error, Sendable, Hashable {
    /// What is wrong and how to write it.
    public var message: String
}
