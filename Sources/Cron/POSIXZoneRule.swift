/// A POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3`: the rule a TZif footer gives for the future.
struct POSIXZoneRule {
    /// When in a year a change happens: a date rule plus a local time of day (seconds, may be negative or >24h).
    enum DateRule {
        /// `Jn`: day n of 1–365, February 29 never counted.
        case julianNoLeap(Int)
        /// `n`: zero-based day of year 0–365, February 29 counted.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday d of week w (5 = last) of month m.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// Offset east of UTC in standard time.
    var standardOffset: Int32
    /// Offset east of UTC in daylight time, when the zone has one.
    var daylightOffset: Int32?
    /// When daylight time starts, its time of day read in standard local time.
    var start: (DateRule, Int32) = (.monthWeekDay(month: 3, week: 2, weekday: 0), 7200)
    /// When daylight time ends, its time of day read in daylight local time.
    var end: (DateRule, Int32) = (.monthWeekDay(month: 11, week: 1, weekday: 0), 7200)

    /// Parses a TZ string; nil when it is malformed.
    init?(_ text: String) {
        var scanner = Scanner(chars: Array(text.utf8))
        guard scanner.skipName(), let standard = scanner.offset() else { return nil }
        standardOffset = -standard
        if scanner.atEnd { return }
        guard scanner.skipName() else { return nil }
        if scanner.peek != UInt8(ascii: ","), !scanner.atEnd {
            guard let daylight = scanner.offset() else { return nil }
            daylightOffset = -daylight
        } else {
            daylightOffset = standardOffset + 3600
        }
        if scanner.atEnd { return }
        guard scanner.eat(UInt8(ascii: ",")), let start = scanner.rule(), scanner.eat(UInt8(ascii: ",")),
            let end = scanner.rule(), scanner.atEnd
        else { return nil }
        self.start = start
        self.end = end
    }

    /// Appends the transitions this rule makes after the table's last one, through `lastYear`.
    func extend(_ table: inout TZif.Table, through lastYear: Int64) {
        guard let daylightOffset, daylightOffset != standardOffset else {
            if table.times.isEmpty { table.initialOffset = standardOffset }
            return
        }
        let lastTime = table.times.last ?? Int64.min
        var current = table.offsets.last ?? table.initialOffset
        let firstYear = table.times.last.map { CivilDate.date(days: CivilDate.floorDiv($0, 86_400)).year } ?? 1970
        for year in (firstYear - 1)...lastYear {
            let startAt = POSIXZoneRule.instant(start, year: year, offset: standardOffset)
            let endAt = POSIXZoneRule.instant(end, year: year, offset: daylightOffset)
            let changes = startAt < endAt
                ? [(startAt, daylightOffset, true), (endAt, standardOffset, false)]
                : [(endAt, standardOffset, false), (startAt, daylightOffset, true)]
            for (time, offset, isDaylight) in changes where time > lastTime && offset != current {
                table.times.append(time)
                table.offsets.append(offset)
                table.daylight.append(isDaylight)
                current = offset
            }
        }
    }

    /// The UTC instant of a rule's change in `year`, its time of day read in local time at `offset`.
    static func instant(_ rule: (DateRule, Int32), year: Int64, offset: Int32) -> Int64 {
        let day: Int64
        switch rule.0 {
        case .julianNoLeap(let n):
            let leapShift: Int64 = CivilDate.isLeap(year) && n >= 60 ? 1 : 0
            day = CivilDate.days(year: year, month: 1, day: 1) + Int64(n - 1) + leapShift
        case .zeroBased(let n):
            day = CivilDate.days(year: year, month: 1, day: 1) + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilDate.days(year: year, month: month, day: 1)
            var dayOfMonth = 1 + (weekday - CivilDate.weekday(days: first) + 7) % 7 + (week - 1) * 7
            let length = CivilDate.daysInMonth(year: year, month: month)
            while dayOfMonth > length { dayOfMonth -= 7 }
            day = first + Int64(dayOfMonth - 1)
        }
        return day * 86_400 + Int64(rule.1) - Int64(offset)
    }

    /// A cursor over a TZ string's bytes.
    struct Scanner {
        /// The TZ string's bytes.
        var chars: [UInt8]
        /// The next byte to read.
        var index = 0

        /// True when every byte is read.
        var atEnd: Bool { index >= chars.count }
        /// The next byte, not consumed.
        var peek: UInt8? { atEnd ? nil : chars[index] }

        /// Consumes `byte` if it is next.
        mutating func eat(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// Skips a zone abbreviation: letters, or `<...>` quoted.
        mutating func skipName() -> Bool {
            if eat(UInt8(ascii: "<")) {
                while let byte = peek, byte != UInt8(ascii: ">") { index += 1 }
                return eat(UInt8(ascii: ">"))
            }
            let start = index
            while let byte = peek, (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) { index += 1 }
            return index - start >= 3
        }

        /// `[+-]hh[:mm[:ss]]` in seconds.
        mutating func offset() -> Int32? {
            var sign: Int32 = 1
            if eat(UInt8(ascii: "-")) { sign = -1 } else { _ = eat(UInt8(ascii: "+")) }
            guard let hours = number() else { return nil }
            var seconds = Int32(hours) * 3600
            if eat(UInt8(ascii: ":")) {
                guard let minutes = number() else { return nil }
                seconds += Int32(minutes) * 60
                if eat(UInt8(ascii: ":")) {
                    guard let secs = number() else { return nil }
                    seconds += Int32(secs)
                }
            }
            return sign * seconds
        }

        /// A date rule with an optional `/time` (default 02:00).
        mutating func rule() -> (DateRule, Int32)? {
            let date: DateRule
            if eat(UInt8(ascii: "J")) {
                guard let n = number(), (1...365).contains(n) else { return nil }
                date = .julianNoLeap(n)
            } else if eat(UInt8(ascii: "M")) {
                guard let month = number(), eat(UInt8(ascii: ".")), let week = number(), eat(UInt8(ascii: ".")),
                    let weekday = number(), (1...12).contains(month), (1...5).contains(week), (0...6).contains(weekday)
                else { return nil }
                date = .monthWeekDay(month: month, week: week, weekday: weekday)
            } else {
                guard let n = number(), (0...365).contains(n) else { return nil }
                date = .zeroBased(n)
            }
            var time: Int32 = 7200
            if eat(UInt8(ascii: "/")) {
                guard let parsed = offset() else { return nil }
                time = parsed
            }
            return (date, time)
        }

        /// Up to four decimal digits.
        mutating func number() -> Int? {
            let start = index
            var value = 0
            while let byte = peek, byte >= 48, byte <= 57, index - start < 4 {
                value = value * 10 + Int(byte - 48)
                index += 1
            }
            return index > start ? value : nil
        }
    }
}
