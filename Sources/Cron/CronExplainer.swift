/// Plain-English explanations of schedules, for `housekeeper explain`.
public enum CronExplainer {
    /// A report: the expression in words, the next `runs` fire instants after `from`, and what the schedule does
    /// at each DST transition of `year` in its zone.
    /// - Parameters:
    ///   - schedule: the schedule to explain.
    ///   - year: the calendar year whose transitions are listed.
    ///   - from: the instant the next runs are counted from (exclusive).
    ///   - runs: how many next runs to list.
    public static func report(_ schedule: CronSchedule, year: Int, from: EpochSeconds, runs: Int) -> String {
        let expression = schedule.expression
        let zone = schedule.zone
        var lines = ["\"\(expression.source.trimmingWhitespace())\" in \(zone.identifier)", describe(expression) + "."]
        if expression.isReboot { return lines.joined(separator: "\n") + "\n" }
        if expression.neverFires {
            lines.append("This schedule never fires: no date in 1970-2199 matches it.")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append(expression.isFixedTime
            ? "Fixed-time job: in a spring-forward gap it "
                + (schedule.dstGap == .coalesce ? "runs once at the transition" : "does not run (dst_gap: skip)")
                + "; in a fall-back overlap it runs once, at the first pass."
            : "Follows real time: no catch-up in a spring-forward gap; runs in both passes of a fall-back overlap.")
        lines.append("")
        lines.append("Next \(runs) run\(runs == 1 ? "" : "s"):")
        var cursor = from
        for _ in 0..<runs {
            guard let next = schedule.next(after: cursor) else {
                lines.append("  (no more runs)")
                break
            }
            lines.append("  " + CronFormat.rfc3339(next, in: zone))
            cursor = next
        }
        lines.append("")
        let transitions = zone.transitions(inYear: year)
        if transitions.isEmpty {
            lines.append("No DST transitions in \(year) in \(zone.identifier).")
        } else {
            lines.append("DST transitions in \(year) in \(zone.identifier):")
            for transition in transitions { lines.append(contentsOf: explain(transition, schedule)) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the schedule does at one transition, as indented lines.
    static func explain(_ transition: ZoneTransition, _ schedule: CronSchedule) -> [String] {
        let fields = schedule.expression.fields
        let before = Int64(transition.offsetBefore)
        let after = Int64(transition.offsetAfter)
        let at = transition.instant
        let shift = abs(after - before)
        let low = at + min(before, after)
        let high = at + max(before, after)
        var matches = 0
        var shown: [String] = []
        var wall = low - 1
        while matches < 10_000, let next = fields.nextWall(after: wall), next < high {
            if shown.count < 5 { shown.append(clock(next, seconds: fields.seconds != 1)) }
            matches += 1
            wall = next
        }
        let range = clock(low) + "-" + clock(high - 1)
        var lines = ["  " + CronFormat.rfc3339(at - 1, in: TimeZoneRules.fixed(before)) + " -> "
            + CronFormat.rfc3339(at, in: TimeZoneRules.fixed(after))
            + " (clocks go \(transition.isGap ? "forward" : "back") \(duration(shift)))"]
        let more = matches > shown.count ? " and \(matches - shown.count) more" : ""
        let runs = (matches == 1 ? "its run at " : "its runs at ") + shown.joined(separator: ", ") + more
        let verb = matches == 1 ? "happens" : "happen"
        let effect: String
        if matches == 0 {
            effect = transition.isGap
                ? "wall times \(range) do not exist; the task has no run in them, so it is unaffected."
                : "wall times \(range) happen twice; the task has no run in them, so it is unaffected."
        } else if transition.isGap {
            if !schedule.expression.isFixedTime {
                effect = "wall times \(range) do not exist; \(runs) \(matches == 1 ? "does" : "do") not happen "
                    + "(no catch-up)."
            } else if schedule.dstGap == .skip {
                effect = "wall times \(range) do not exist; \(runs) \(matches == 1 ? "is" : "are") skipped "
                    + "(dst_gap: skip)."
            } else {
                effect = "wall times \(range) do not exist; \(runs) \(matches == 1 ? "moves to" : "become one run at") "
                    + CronFormat.rfc3339(at, in: schedule.zone) + "."
            }
        } else if schedule.expression.isFixedTime {
            effect = "wall times \(range) happen twice; \(runs) \(verb) once, in the first pass (UTC"
                + offsetText(before) + ")."
        } else {
            effect = "wall times \(range) happen twice; \(runs) \(verb) in both passes (\(matches * 2) runs)."
        }
        lines.append("    " + effect)
        return lines
    }

    /// The expression in words: `at 02:30 every day`.
    public static func describe(_ expression: CronExpression) -> String {
        if expression.isReboot { return "Once when the daemon starts (@reboot), never on a schedule" }
        let texts = expression.texts
        let fields = expression.fields
        var time: String
        let second = single(fields.seconds), minute = single(fields.minutes), hour = single(UInt64(fields.hours))
        if let second, let minute, let hour {
            time = "at " + two(hour) + ":" + two(minute) + (second == 0 ? "" : ":" + two(second))
        } else if fields.seconds == 1, let minute, texts[2] == "*" {
            time = "at minute \(minute) of every hour"
        } else {
            var parts: [String] = []
            if texts[0] != "0" { parts.append(phrase(texts[0], fields.seconds, unit: "second")) }
            parts.append(phrase(texts[1], fields.minutes, unit: "minute"))
            // "every hour" adds nothing after a minute phrase.
            if texts[2] != "*" { parts.append(phrase(texts[2], UInt64(fields.hours), unit: "hour")) }
            time = parts.joined(separator: ", ")
        }
        let dayOfMonth = texts[3], dayOfWeek = texts[5]
        let monthStar = dayOfMonth == "*" || dayOfMonth == "?"
        let weekStar = dayOfWeek == "*" || dayOfWeek == "?" || dayOfWeek == "+*"
        var day: String
        switch (monthStar, weekStar) {
        case (true, true): day = "every day"
        case (false, true): day = monthDays(dayOfMonth)
        case (true, false): day = weekDays(dayOfWeek)
        case (false, false):
            let joiner = fields.days.requireBoth ? " if it is also " : " or "
            let restricted = fields.days.monthDayRestricted && fields.days.weekdayRestricted
            day = monthDays(dayOfMonth) + (restricted ? joiner + weekDays(dayOfWeek).dropFirst(3) : " and " + weekDays(dayOfWeek))
        }
        if texts[4] != "*" { day += " in " + phrase(texts[4], UInt64(fields.months), unit: "month", names: monthNames) }
        if texts[6] != "*" { day += " in " + phrase(texts[6], nil, unit: "year") }
        time = time.prefix(1).uppercased() + time.dropFirst()
        return time + " " + day
    }

    // MARK: Wording helpers

    /// Month names for the explanation, index 1 = January.
    static let monthNames = ["", "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"]
    /// Weekday names, index 0 and 7 = Sunday.
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    /// Ordinal words for `#k`.
    static let ordinals = ["", "first", "second", "third", "fourth", "fifth"]

    private static func single(_ mask: UInt64) -> Int? {
        mask.nonzeroBitCount == 1 ? mask.trailingZeroBitCount : nil
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func clock(_ wall: Int64, seconds: Bool = false) -> String {
        let second = ((wall % 86_400) + 86_400) % 86_400
        return two(Int(second / 3600)) + ":" + two(Int(second % 3600 / 60))
            + (seconds ? ":" + two(Int(second % 60)) : "")
    }

    private static func duration(_ seconds: Int64) -> String {
        let hours = seconds / 3600, minutes = seconds % 3600 / 60
        if seconds >= 86_400, seconds % 86_400 == 0 { return "\(seconds / 86_400) day\(seconds == 86_400 ? "" : "s")" }
        return minutes == 0 ? "\(hours)h" : hours == 0 ? "\(minutes)m" : "\(hours)h\(minutes)m"
    }

    private static func offsetText(_ offset: Int64) -> String {
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return sign + two(Int(magnitude / 3600)) + ":" + two(Int(magnitude % 3600 / 60))
    }

    /// Words for one numeric field's text: `every 15 minutes`, `minute 30`, `hours 2 through 4`.
    private static func phrase(_ text: String, _ mask: UInt64?, unit: String, names: [String]? = nil) -> String {
        if text == "*" { return "every \(unit)" }
        if text.hasPrefix("*/"), !text.contains(",") { return "every \(text.dropFirst(2)) \(unit)s" }
        if text.contains("H"), let mask {
            var values: [String] = []
            var rest = mask
            while rest != 0 {
                values.append(String(rest.trailingZeroBitCount))
                rest &= rest - 1
            }
            return "\(unit)\(values.count == 1 ? "" : "s") " + values.joined(separator: ",") + " (H, from the task name)"
        }
        let named = text.split(separator: ",").map { item -> String in
            guard let names, let value = Int(item), value < names.count else { return String(item) }
            return names[value]
        }
        if names != nil, named.count == 1, !named[0].contains("-") { return named[0] }
        return "\(unit) " + named.joined(separator: ",")
    }

    private static func monthDays(_ text: String) -> String {
        let items = text.split(separator: ",").map { item -> String in
            switch item {
            case "L": return "the last day of the month"
            case "LW": return "the last weekday of the month"
            case let item where item.hasPrefix("L-"): return "\(item.dropFirst(2)) days before the last day of the month"
            case let item where item.hasSuffix("W"): return "the weekday nearest day \(item.dropLast()) of the month"
            default: return "day \(item) of the month"
            }
        }
        return "on " + items.joined(separator: ", ")
    }

    private static func weekDays(_ text: String) -> String {
        let body = text.hasPrefix("+") ? String(text.dropFirst()) : text
        let items = body.split(separator: ",").map { item -> String in
            if let hash = item.firstIndex(of: "#") {
                let day = dayName(item[..<hash])
                let ordinal = item[item.index(after: hash)...]
                if ordinal == "L" { return "the last \(day) of the month" }
                return "the \(Int(ordinal).map { ordinals[min($0, 5)] } ?? String(ordinal)) \(day) of the month"
            }
            if item.count > 1, item.hasSuffix("L") { return "the last \(dayName(item.dropLast())) of the month" }
            if let dash = item.firstIndex(of: "-") {
                return dayName(item[..<dash]) + " through " + dayName(item[item.index(after: dash)...])
            }
            return dayName(item)
        }
        return "on " + items.joined(separator: ", ")
    }

    private static func dayName(_ text: Substring) -> String {
        if let value = Int(text), value < dayNames.count { return dayNames[value] }
        if let index = CronField.weekdayNames.firstIndex(of: text.uppercased()) { return dayNames[index] }
        return String(text)
    }
}

extension TimeZoneRules {
    /// A zone fixed at `offset` (used to print an instant in the offset before a transition).
    static func fixed(_ offset: Int64) -> TimeZoneRules {
        TimeZoneRules(identifier: "fixed", times: [], offsets: [], daylight: [], initialOffset: Int32(offset))
    }
}

extension String {
    /// The text without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
