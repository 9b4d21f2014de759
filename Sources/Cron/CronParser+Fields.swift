extension CronParser {
    /// A run of values `low...high` every `step`, as written (day-of-week 7 not yet folded to 0).
    struct Run {
        var low: Int
        var high: Int
        var step: Int
    }

    /// Parses one whole field into `fields`.
    func parseField(_ field: CronField, _ span: Span, into fields: inout CronFields) throws(CronError) {
        var span = span
        if chars[span.start] == "+" {
            guard field == .dayOfWeek else {
                throw error(field, Span(start: span.start, end: span.start + 1),
                    "a leading \"+\" (both day fields must match) is only allowed on day-of-week")
            }
            fields.days.requireBoth = true
            span.start += 1
            if span.isEmpty {
                throw error(field, Span(start: span.start - 1, end: span.end), "\"+\" needs a day-of-week after it")
            }
        }
        let unrestricted = chars[span.start] == "*" || chars[span.start] == "?"
        switch field {
        case .dayOfMonth: fields.days.monthDayRestricted = !unrestricted
        case .dayOfWeek: fields.days.weekdayRestricted = !unrestricted
        default: break
        }
        var itemStart = span.start
        var index = span.start
        while index <= span.end {
            if index == span.end || chars[index] == "," {
                let item = Span(start: itemStart, end: index)
                if item.isEmpty {
                    let at = Span(start: min(index, span.end - 1), end: min(index, span.end - 1) + 1)
                    throw error(field, at, "empty item in the \(field.name) list")
                }
                try parseItem(field, item, into: &fields)
                itemStart = index + 1
            }
            index += 1
        }
    }

    private func parseItem(_ field: CronField, _ item: Span, into fields: inout CronFields) throws(CronError) {
        switch field {
        case .dayOfMonth:
            if try parseMonthDaySpecial(item, into: &fields.days) { return }
        case .dayOfWeek:
            if try parseWeekdaySpecial(item, into: &fields.days) { return }
        default:
            break
        }
        let run = try parseRun(field, item)
        var value = run.low
        while value <= run.high {
            switch field {
            case .second: fields.seconds |= 1 << UInt64(value)
            case .minute: fields.minutes |= 1 << UInt64(value)
            case .hour: fields.hours |= 1 << UInt32(value)
            case .dayOfMonth: fields.days.monthDays |= 1 << UInt32(value)
            case .month: fields.months |= 1 << UInt16(value)
            case .dayOfWeek: fields.days.weekdays |= 1 << UInt8(value % 7)
            case .year: fields.years.insert(value)
            }
            value += run.step
        }
    }

    /// Parses `*`, `?`, `A`, `A-B`, `H…` with an optional `/step`.
    func parseRun(_ field: CronField, _ item: Span) throws(CronError) -> Run {
        let fullHigh = field == .dayOfWeek ? 6 : field.maximum
        guard let slash = firstIndex(of: "/", in: item) else {
            return try parseBase(field, item, fullHigh: fullHigh, step: nil)
        }
        let base = Span(start: item.start, end: slash)
        let stepSpan = Span(start: slash + 1, end: item.end)
        guard !stepSpan.isEmpty, let step = number(stepSpan) else {
            throw error(field, stepSpan.isEmpty ? item : stepSpan,
                "invalid step \"\(text(stepSpan))\" in \(field.name) (expected a positive whole number)")
        }
        guard step >= 1 else {
            throw error(field, item, "invalid step in \(field.name) \"\(text(item))\": the step must be at least 1")
        }
        // Day-of-week spans 0-6 (7 is Sunday again), so its largest useful step is 7.
        guard step <= fullHigh - field.minimum + 1 else {
            throw error(field, item,
                "invalid step in \(field.name) \"\(text(item))\": \(step) is larger than the range "
                    + "\(field.minimum)-\(fullHigh)")
        }
        if base.isEmpty {
            throw error(field, item,
                "invalid \(field.name) \"\(text(item))\": a step needs \"*\" or a range before it "
                    + "(write \"\(field.minimum)-\(fullHigh)/\(step)\")")
        }
        return try parseBase(field, base, fullHigh: fullHigh, step: step)
    }

    private func parseBase(_ field: CronField, _ base: Span, fullHigh: Int, step: Int?) throws(CronError) -> Run {
        let first = chars[base.start]
        if base.end - base.start == 1, first == "*" {
            return Run(low: field.minimum, high: fullHigh, step: step ?? 1)
        }
        if base.end - base.start == 1, first == "?" {
            guard field == .dayOfMonth || field == .dayOfWeek else {
                throw error(field, base, "\"?\" is only allowed in day-of-month and day-of-week")
            }
            guard step == nil else {
                throw error(field, base, "\"?\" takes no step (use \"*/n\")")
            }
            return Run(low: field.minimum, high: fullHigh, step: 1)
        }
        if first == "H" {
            return try parseHash(field, base, step: step)
        }
        if let dash = firstIndex(of: "-", in: base) {
            let (low, high) = try parseRange(field, base, dash: dash)
            return Run(low: low, high: high, step: step ?? 1)
        }
        let value = try parseValue(field, base)
        if let step {
            let end = base.end + 1 + String(step).count
            throw error(field, Span(start: base.start, end: end),
                "invalid \(field.name) \"\(text(Span(start: base.start, end: end)))\": a step needs \"*\" or a "
                    + "range before it (write \"\(value)-\(fullHigh)/\(step)\")")
        }
        return Run(low: value, high: value, step: 1)
    }

    private func parseRange(_ field: CronField, _ range: Span, dash: Int) throws(CronError) -> (Int, Int) {
        let lowSpan = Span(start: range.start, end: dash)
        let highSpan = Span(start: dash + 1, end: range.end)
        guard !lowSpan.isEmpty, !highSpan.isEmpty else { throw invalidValue(field, range) }
        let low = try parseValue(field, lowSpan)
        let high = try parseValue(field, highSpan)
        guard low <= high else {
            throw error(field, range,
                "invalid \(field.name) range \"\(text(range))\": \(text(lowSpan)) is after \(text(highSpan)) "
                    + "(ranges do not wrap; use a list such as \"\(text(lowSpan))-\(field == .dayOfWeek ? 7 : field.maximum),"
                    + "\(field.minimum)-\(text(highSpan))\")")
        }
        return (low, high)
    }

    /// `H`, `H(A-B)`, each with an optional step: a value picked by the seed's stable hash.
    private func parseHash(_ field: CronField, _ base: Span, step: Int?) throws(CronError) -> Run {
        var (low, high) = field.hashRange
        if base.end - base.start > 1 {
            guard chars[base.start + 1] == "(", chars[base.end - 1] == ")", base.end - base.start > 3 else {
                throw error(field, base, "invalid \(field.name) \"\(text(base))\" (expected H, H(A-B), H/n or H(A-B)/n)")
            }
            let inner = Span(start: base.start + 2, end: base.end - 1)
            guard let dash = firstIndex(of: "-", in: inner) else {
                throw error(field, base, "invalid \(field.name) \"\(text(base))\" (expected H, H(A-B), H/n or H(A-B)/n)")
            }
            (low, high) = try parseRange(field, inner, dash: dash)
        }
        let hash = CronHash.value(seed: seed, field: field)
        let width = UInt64(high - low + 1)
        guard let step else {
            let value = low + Int(hash % width)
            return Run(low: value, high: value, step: 1)
        }
        return Run(low: low + Int(hash % UInt64(min(step, Int(width)))), high: high, step: step)
    }

    /// A single value: digits or (month, day-of-week) a three-letter name.
    func parseValue(_ field: CronField, _ span: Span) throws(CronError) -> Int {
        if let value = number(span) {
            guard value >= field.minimum, value <= field.maximum else { throw invalidValue(field, span) }
            return value
        }
        if let value = field.value(ofName: text(span)[...]) {
            return value
        }
        throw invalidValue(field, span)
    }

    /// The decimal number `span` spells, or nil (no signs, at most 6 digits).
    func number(_ span: Span) -> Int? {
        guard !span.isEmpty, span.end - span.start <= 6 else { return nil }
        var value = 0
        for index in span.start..<span.end {
            guard let digit = chars[index].wholeNumberValue, chars[index].isASCII else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}
