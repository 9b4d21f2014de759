/// The parsed, bit-set form of an expression's fields: what the matcher runs on.
struct CronFields: Sendable, Hashable {
    /// Seconds 0–59 (bit n).
    var seconds: UInt64 = 1
    /// Minutes 0–59 (bit n).
    var minutes: UInt64 = 0
    /// Hours 0–23 (bit n).
    var hours: UInt32 = 0
    /// Months 1–12 (bit n).
    var months: UInt16 = 0
    /// Years 1970–2199.
    var years = YearSet.all
    /// Day-of-month and day-of-week together.
    var days = DaySpec()
}
