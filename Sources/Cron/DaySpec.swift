/// The day-of-month and day-of-week fields together: which days of a given month match.
///
/// Day bits are numbered by day of month (bit 1 = the 1st); weekday bits 0 = Sunday … 6 = Saturday.
struct DaySpec: Sendable, Hashable {
    /// Plain days of month (`1,15`, `1-10/2`).
    var monthDays: UInt32 = 0
    /// `L-n` offsets from the last day (bit 0 = `L`).
    var lastDayOffsets: UInt32 = 0
    /// `nW`: the weekday nearest to day n.
    var nearestWeekdays: UInt32 = 0
    /// `LW`: the last weekday (Monday–Friday) of the month.
    var lastWeekday = false
    /// Plain weekdays.
    var weekdays: UInt8 = 0
    /// `nL` / `n#L`: the last such weekday of the month.
    var lastOfWeekdays: UInt8 = 0
    /// `n#k`: bit `weekday * 8 + k`.
    var nthWeekdays: UInt64 = 0
    /// The day-of-month text does not start with `*` or `?`.
    var monthDayRestricted = false
    /// The day-of-week text does not start with `*` or `?`.
    var weekdayRestricted = false
    /// A leading `+` on day-of-week: both fields must match.
    var requireBoth = false

    /// The days of `month` in `year` that match, as bits 1…31.
    @inline(__always)
    func mask(year: Int64, month: Int) -> UInt32 {
        let length = CivilDate.daysInMonth(year: year, month: month)
        let inMonth = UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(length + 1)) - 2)
        let first = CivilDate.weekday(days: CivilDate.days(year: year, month: month, day: 1))
        let byMonthDay = monthDayMask(length: length, firstWeekday: first) & inMonth
        let byWeekday = weekdayMask(length: length, firstWeekday: first) & inMonth
        if monthDayRestricted && weekdayRestricted && !requireBoth { return byMonthDay | byWeekday }
        return byMonthDay & byWeekday
    }

    @inline(__always)
    private func monthDayMask(length: Int, firstWeekday: Int) -> UInt32 {
        var mask = monthDays
        guard lastDayOffsets != 0 || nearestWeekdays != 0 || lastWeekday else { return mask }
        var offsets = lastDayOffsets
        while offsets != 0 {
            let n = offsets.trailingZeroBitCount
            offsets &= offsets - 1
            if length - n >= 1 { mask |= 1 << UInt32(length - n) }
        }
        var nearest = nearestWeekdays
        while nearest != 0 {
            let day = nearest.trailingZeroBitCount
            nearest &= nearest - 1
            if let target = DaySpec.nearestWeekday(to: day, length: length, firstWeekday: firstWeekday) {
                mask |= 1 << UInt32(target)
            }
        }
        if lastWeekday {
            let weekday = (firstWeekday + length - 1) % 7
            let day = weekday == 6 ? length - 1 : weekday == 0 ? length - 2 : length
            mask |= 1 << UInt32(day)
        }
        return mask
    }

    /// The Monday–Friday day nearest to `day` without leaving the month, or nil when the month is shorter.
    @inline(__always)
    static func nearestWeekday(to day: Int, length: Int, firstWeekday: Int) -> Int? {
        guard day <= length else { return nil }
        let weekday = (firstWeekday + day - 1) % 7
        switch weekday {
        case 6: return day == 1 ? 3 : day - 1
        case 0: return day == length ? day - 2 : day + 1
        default: return day
        }
    }

    @inline(__always)
    private func weekdayMask(length: Int, firstWeekday: Int) -> UInt32 {
        // Six copies of the weekly pattern cover any month whatever weekday it starts on.
        let week = UInt64(weekdays)
        let repeated = week | week << 7 | week << 14 | week << 21 | week << 28 | week << 35
        var mask = UInt32(truncatingIfNeeded: (repeated << 1) >> UInt64(firstWeekday))
        guard lastOfWeekdays != 0 || nthWeekdays != 0 else { return mask }
        var last = lastOfWeekdays
        let lastWeekdayOfMonth = (firstWeekday + length - 1) % 7
        while last != 0 {
            let weekday = last.trailingZeroBitCount
            last &= last - 1
            mask |= 1 << UInt32(length - (lastWeekdayOfMonth - weekday + 7) % 7)
        }
        var nth = nthWeekdays
        while nth != 0 {
            let bit = nth.trailingZeroBitCount
            nth &= nth - 1
            let weekday = bit >> 3
            let k = bit & 7
            let day = 1 + (weekday - firstWeekday + 7) % 7 + (k - 1) * 7
            if day <= length { mask |= 1 << UInt32(day) }
        }
        return mask
    }
}
