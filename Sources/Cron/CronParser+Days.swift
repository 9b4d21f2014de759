extension CronParser {
    /// `L`, `L-n`, `LW`, `nW` in day-of-month. Returns false when `item` is none of them.
    func parseMonthDaySpecial(_ item: Span, into days: inout DaySpec) throws(CronError) -> Bool {
        let token = text(item)
        let field = CronField.dayOfMonth
        if token == "L" {
            days.lastDayOffsets |= 1
            return true
        }
        if token == "LW" {
            days.lastWeekday = true
            return true
        }
        if token.hasPrefix("L-") {
            guard let n = number(Span(start: item.start + 2, end: item.end)), n <= 30 else {
                throw error(field, item, "invalid day-of-month \"\(token)\" (expected L-0 to L-30: days before the last)")
            }
            days.lastDayOffsets |= 1 << UInt32(n)
            return true
        }
        if token.count > 1, token.last == "W" {
            let base = Span(start: item.start, end: item.end - 1)
            guard let day = number(base) else {
                if token.contains(where: { "-,/*?".contains($0) }) {
                    throw error(field, item,
                        "invalid day-of-month \"\(token)\": W takes a single day (for example \"15W\")")
                }
                throw invalidValue(field, item)
            }
            guard day >= 1, day <= 31 else { throw invalidValue(field, base) }
            days.nearestWeekdays |= 1 << UInt32(day)
            return true
        }
        if token.first == "L" || token.contains("W") {
            throw error(field, item,
                "invalid day-of-month \"\(token)\" (expected 1-31, L, L-n, LW or nW; L and W stand alone)")
        }
        return false
    }

    /// `nL`, `n#k`, `n#L` in day-of-week. Returns false when `item` is none of them.
    func parseWeekdaySpecial(_ item: Span, into days: inout DaySpec) throws(CronError) -> Bool {
        let token = text(item)
        let field = CronField.dayOfWeek
        if let hash = firstIndex(of: "#", in: item) {
            let weekday = try parseValue(field, Span(start: item.start, end: hash)) % 7
            let ordinal = Span(start: hash + 1, end: item.end)
            if text(ordinal) == "L" {
                days.lastOfWeekdays |= 1 << UInt8(weekday)
                return true
            }
            guard let k = number(ordinal), (1...5).contains(k) else {
                throw error(field, ordinal.isEmpty ? item : ordinal,
                    "invalid day-of-week \"\(token)\" (expected n#1 to n#5, or n#L for the last)")
            }
            days.nthWeekdays |= 1 << UInt64(weekday * 8 + k)
            return true
        }
        if token == "L" {
            throw error(field, item,
                "invalid day-of-week \"L\" (write nL for the last weekday n of the month, for example 5L)")
        }
        if token.count > 1, token.last == "L" {
            let base = Span(start: item.start, end: item.end - 1)
            if token.contains(where: { "-,/*?".contains($0) }) {
                throw error(field, item, "invalid day-of-week \"\(token)\": L takes a single weekday (for example \"5L\")")
            }
            days.lastOfWeekdays |= 1 << UInt8(try parseValue(field, base) % 7)
            return true
        }
        return false
    }
}
