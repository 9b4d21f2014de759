/// The seven positional fields of a cron expression, in the order a 7-field expression lists them.
enum CronField: Int, Sendable, CaseIterable {
    /// The fields, in 7-field order.
    case second, minute, hour, dayOfMonth, month, dayOfWeek, year

    /// The name used in error messages.
    var name: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        case .year: "year"
        }
    }

    /// The smallest value the field accepts as written.
    var minimum: Int {
        switch self {
        case .second, .minute, .hour, .dayOfWeek: 0
        case .dayOfMonth, .month: 1
        case .year: CronField.firstYear
        }
    }

    /// The largest value the field accepts as written (day-of-week accepts 7 for Sunday).
    var maximum: Int {
        switch self {
        case .second, .minute: 59
        case .hour: 23
        case .dayOfMonth: 31
        case .month: 12
        case .dayOfWeek: 7
        case .year: CronField.lastYear
        }
    }

    /// The range `H` picks from when no explicit range is given (day-of-month stays within 1–28 so it exists
    /// in every month, and day-of-week within 0–6 so Sunday is not twice as likely).
    var hashRange: (Int, Int) {
        switch self {
        case .dayOfMonth: (1, 28)
        case .dayOfWeek: (0, 6)
        default: (minimum, maximum)
        }
    }

    /// What the field accepts, for messages: `0-7 or SUN-SAT`.
    var expected: String {
        switch self {
        case .month: "1-12 or JAN-DEC"
        case .dayOfWeek: "0-7 or SUN-SAT"
        default: "\(minimum)-\(maximum)"
        }
    }

    /// The value a symbolic name stands for in this field (`"MON"` → 1), case-insensitive.
    func value(ofName text: Substring) -> Int? {
        guard text.count == 3 else { return nil }
        let upper = text.uppercased()
        switch self {
        case .month:
            return CronField.monthNames.firstIndex(of: upper).map { $0 + 1 }
        case .dayOfWeek:
            return CronField.weekdayNames.firstIndex(of: upper)
        default:
            return nil
        }
    }

    /// The first year a schedule can fire in.
    static let firstYear = 1970
    /// The last year a schedule can fire in.
    static let lastYear = 2199
    /// Month names, January first.
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    /// Weekday names, Sunday first.
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
}
