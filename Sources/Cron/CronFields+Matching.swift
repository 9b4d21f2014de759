extension CronFields {
    /// The first wall-clock second strictly after `wall` whose fields all match, or nil (none up to 2199).
    ///
    /// Wall-clock seconds count like epoch seconds but stand for a local date and time, zone-free. The walk
    /// jumps field by field (year, month, day, hour, minute, second) with bit scans, so it never steps minute by
    /// minute and never allocates.
    @inline(__always)
    func nextWall(after wall: Int64) -> Int64? {
        let start = wall + 1
        let dayNumber = CivilDate.floorDiv(start, 86_400)
        let secondOfDay = Int(start - dayNumber * 86_400)
        var (year, month, day) = CivilDate.date(days: dayNumber)
        var hour = secondOfDay / 3600
        var minute = secondOfDay % 3600 / 60
        var second = secondOfDay % 60
        if year < Int64(CronField.firstYear) {
            (year, month, day, hour, minute, second) = (Int64(CronField.firstYear), 1, 1, 0, 0, 0)
        }
        while true {
            if !years.contains(year) {
                guard let next = years.next(from: year + 1) else { return nil }
                (year, month, day, hour, minute, second) = (next, 1, 1, 0, 0, 0)
            }
            guard let nextMonth = CronFields.nextBit(UInt64(months), from: month) else {
                (year, month, day, hour, minute, second) = (year + 1, 1, 1, 0, 0, 0)
                continue
            }
            if nextMonth != month { (month, day, hour, minute, second) = (nextMonth, 1, 0, 0, 0) }
            guard let nextDay = CronFields.nextBit(UInt64(days.mask(year: year, month: month)), from: day) else {
                (month, day, hour, minute, second) = (month + 1, 1, 0, 0, 0)
                if month > 12 { (year, month) = (year + 1, 1) }
                continue
            }
            if nextDay != day { (day, hour, minute, second) = (nextDay, 0, 0, 0) }
            guard let nextHour = CronFields.nextBit(UInt64(hours), from: hour) else {
                (day, hour, minute, second) = (day + 1, 0, 0, 0)
                continue
            }
            if nextHour != hour { (hour, minute, second) = (nextHour, 0, 0) }
            guard let nextMinute = CronFields.nextBit(minutes, from: minute) else {
                (hour, minute, second) = (hour + 1, 0, 0)
                continue
            }
            if nextMinute != minute { (minute, second) = (nextMinute, 0) }
            guard let nextSecond = CronFields.nextBit(seconds, from: second) else {
                (minute, second) = (minute + 1, 0)
                continue
            }
            return CivilDate.days(year: year, month: month, day: day) * 86_400
                + Int64(hour * 3600 + minute * 60 + nextSecond)
        }
    }

    /// The last wall-clock second strictly before `wall` whose fields all match, or nil (none from 1970).
    @inline(__always)
    func previousWall(before wall: Int64) -> Int64? {
        let start = wall - 1
        let dayNumber = CivilDate.floorDiv(start, 86_400)
        let secondOfDay = Int(start - dayNumber * 86_400)
        var (year, month, day) = CivilDate.date(days: dayNumber)
        var hour = secondOfDay / 3600
        var minute = secondOfDay % 3600 / 60
        var second = secondOfDay % 60
        if year > Int64(CronField.lastYear) {
            (year, month, day, hour, minute, second) = (Int64(CronField.lastYear), 12, 31, 23, 59, 59)
        }
        while true {
            if !years.contains(year) {
                guard let previous = years.previous(from: year - 1) else { return nil }
                (year, month, day, hour, minute, second) = (previous, 12, 31, 23, 59, 59)
            }
            guard month >= 1, let previousMonth = CronFields.previousBit(UInt64(months), from: month) else {
                (year, month, day, hour, minute, second) = (year - 1, 12, 31, 23, 59, 59)
                continue
            }
            if previousMonth != month { (month, day, hour, minute, second) = (previousMonth, 31, 23, 59, 59) }
            guard day >= 1, let previousDay = CronFields.previousBit(UInt64(days.mask(year: year, month: month)), from: day)
            else {
                (month, day, hour, minute, second) = (month - 1, 31, 23, 59, 59)
                if month < 1 { (year, month) = (year - 1, 12) }
                continue
            }
            if previousDay != day { (day, hour, minute, second) = (previousDay, 23, 59, 59) }
            guard hour >= 0, let previousHour = CronFields.previousBit(UInt64(hours), from: hour) else {
                (day, hour, minute, second) = (day - 1, 23, 59, 59)
                continue
            }
            if previousHour != hour { (hour, minute, second) = (previousHour, 59, 59) }
            guard minute >= 0, let previousMinute = CronFields.previousBit(minutes, from: minute) else {
                (hour, minute, second) = (hour - 1, 59, 59)
                continue
            }
            if previousMinute != minute { (minute, second) = (previousMinute, 59) }
            guard second >= 0, let previousSecond = CronFields.previousBit(seconds, from: second) else {
                (minute, second) = (minute - 1, 59)
                continue
            }
            return CivilDate.days(year: year, month: month, day: day) * 86_400
                + Int64(hour * 3600 + minute * 60 + previousSecond)
        }
    }

    /// The lowest set bit of `mask` at or above `from`, or nil.
    @inline(__always)
    static func nextBit(_ mask: UInt64, from: Int) -> Int? {
        guard from < 64 else { return nil }
        let rest = mask >> UInt64(from)
        return rest == 0 ? nil : from + rest.trailingZeroBitCount
    }

    /// The highest set bit of `mask` at or below `from`, or nil.
    @inline(__always)
    static func previousBit(_ mask: UInt64, from: Int) -> Int? {
        guard from >= 0 else { return nil }
        let rest = from >= 63 ? mask : mask & ((UInt64(1) << UInt64(from + 1)) - 1)
        return rest == 0 ? nil : 63 - rest.leadingZeroBitCount
    }
}
