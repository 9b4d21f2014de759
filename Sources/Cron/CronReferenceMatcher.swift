/// A slow, obviously-correct oracle for `CronSchedule`: steps through time and checks each instant against the
/// fields, with day matching re-derived naively (no bit tricks) and the DST rules written out instant by instant.
///
/// Not used to schedule anything: the property tests (`CronTests`) and the fuzz driver (`Fuzz/Cron`) compare
/// `next(after:)` with it.
struct CronReferenceMatcher {
    /// The expression under test.
    let expression: CronExpression
    /// The zone it is matched in.
    let zone: TimeZoneRules
    /// The gap rule for fixed-time jobs.
    let dstGap: DSTGapPolicy

    /// Whether the calendar day matches, recomputed naively.
    func dayMatches(year: Int64, month: Int, day: Int) -> Bool {
        let fields = expression.fields
        guard fields.years.contains(year), fields.months & (1 << UInt16(month)) != 0 else { return false }
        let spec = fields.days
        let length = CivilDate.daysInMonth(year: year, month: month)
        func weekday(_ d: Int) -> Int { CivilDate.weekday(days: CivilDate.days(year: year, month: month, day: d)) }
        let wd = weekday(day)
        var byMonthDay = spec.monthDays & (1 << UInt32(day)) != 0
        for n in 0..<31 where spec.lastDayOffsets & (1 << UInt32(n)) != 0 && day == length - n { byMonthDay = true }
        for n in 1...31 where spec.nearestWeekdays & (1 << UInt32(n)) != 0 && n <= length {
            var target = n
            if weekday(n) == 6 { target = n == 1 ? 3 : n - 1 }
            if weekday(n) == 0 { target = n == length ? n - 2 : n + 1 }
            if target == day { byMonthDay = true }
        }
        if spec.lastWeekday {
            var last = length
            while weekday(last) == 0 || weekday(last) == 6 { last -= 1 }
            if last == day { byMonthDay = true }
        }
        var byWeekday = spec.weekdays & (1 << UInt8(wd)) != 0
        if spec.lastOfWeekdays & (1 << UInt8(wd)) != 0 && day + 7 > length { byWeekday = true }
        if spec.nthWeekdays & (UInt64(1) << UInt64(wd * 8 + (day - 1) / 7 + 1)) != 0 { byWeekday = true }
        if spec.monthDayRestricted && spec.weekdayRestricted && !spec.requireBoth { return byMonthDay || byWeekday }
        return byMonthDay && byWeekday
    }

    /// Whether a wall-clock second matches every field.
    func wallMatches(_ wall: Int64) -> Bool {
        let dayNumber = CivilDate.floorDiv(wall, 86_400)
        let second = Int(wall - dayNumber * 86_400)
        let date = CivilDate.date(days: dayNumber)
        let fields = expression.fields
        return fields.hours & (1 << UInt32(second / 3600)) != 0
            && fields.minutes & (1 << UInt64(second % 3600 / 60)) != 0
            && fields.seconds & (1 << UInt64(second % 60)) != 0
            && dayMatches(year: date.year, month: date.month, day: date.day)
    }

    /// Whether the schedule fires at `instant`, by the DST rules stated in DESIGN.md §4.
    func fires(at instant: Int64) -> Bool {
        let offset = Int64(zone.offset(at: instant))
        let wall = instant + offset
        guard expression.isFixedTime else { return wallMatches(wall) }
        if wallMatches(wall) {
            // A fixed job runs a repeated wall time only in its first pass.
            let seenBefore = [1800, 3600, 7200, 86_400].contains { delta in
                let earlier = instant - Int64(delta)
                return earlier + Int64(zone.offset(at: earlier)) == wall
            }
            if !seenBefore { return true }
        }
        let before = Int64(zone.offset(at: instant - 1))
        if dstGap == .coalesce, before < offset {
            var gapWall = instant + before
            while gapWall < wall {
                if wallMatches(gapWall) { return true }
                gapWall += 1
            }
        }
        return false
    }

    /// The first instant after `instant` that fires, stepping by `step` seconds, up to `limit`; nil if none.
    func next(after instant: Int64, step: Int64, limit: Int64) -> Int64? {
        var candidate = CivilDate.floorDiv(instant, step) * step + step
        let fixedOffset = zone.transitions(inYear: 1970).isEmpty && zone.offset(at: 0) == 0 && zone.offset(at: 1 << 32) == 0
        while candidate <= limit {
            if fixedOffset {
                // In UTC a day whose date does not match cannot fire at all: jump to the next day.
                let date = CivilDate.date(days: CivilDate.floorDiv(candidate, 86_400))
                if !dayMatches(year: date.year, month: date.month, day: date.day) {
                    candidate = (CivilDate.floorDiv(candidate, 86_400) + 1) * 86_400
                    continue
                }
            }
            if fires(at: candidate) { return candidate }
            candidate += step
        }
        return nil
    }

    /// Whether any calendar day from the day of `from` through the day of `through` matches.
    func hasMatchingDay(from: Int64, through: Int64) -> Bool {
        var day = CivilDate.floorDiv(from, 86_400)
        while day * 86_400 <= through {
            let date = CivilDate.date(days: day)
            if dayMatches(year: date.year, month: date.month, day: date.day) { return true }
            day += 1
        }
        return false
    }
}
