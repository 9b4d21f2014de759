@testable import Cron
import Testing

/// Random expressions from a seeded generator, so failures reproduce.
struct ExpressionGenerator {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }

    mutating func pick(_ options: [String]) -> String { options[next(options.count)] }

    mutating func numeric(_ low: Int, _ high: Int) -> String {
        let a = low + next(high - low + 1)
        let b = a + next(high - a + 1)
        switch next(7) {
        case 0: return "*"
        case 1: return "*/\(1 + next(min(12, high - low)))"
        case 2: return "\(a)"
        case 3: return "\(a)-\(b)"
        case 4: return "\(a)-\(b)/\(1 + next(5))"
        case 5: return "\(a),\(b)"
        default: return "\(low)-\(high)/\(2 + next(3))"
        }
    }

    mutating func expression(seconds: Bool) -> String {
        var dayOfMonth = numeric(1, 31)
        switch next(8) {
        case 0: dayOfMonth = pick(["L", "L-\(next(5))", "LW", "\(1 + next(31))W", "?", "1,L"])
        default: break
        }
        var dayOfWeek = numeric(0, 7)
        switch next(8) {
        case 0: dayOfWeek = pick(["\(next(8))L", "\(next(7))#\(1 + next(5))", "\(next(7))#L", "?", "1#1,5L"])
        case 1: dayOfWeek = "+" + dayOfWeek
        default: break
        }
        let month = next(3) == 0 ? numeric(1, 12) : "*"
        let fields = [numeric(0, 59), numeric(0, 23), dayOfMonth, month, dayOfWeek]
        return (seconds ? [pick(["0", "*/15", "30", "*/20"])] : []).joined() + (seconds ? " " : "")
            + fields.joined(separator: " ")
    }
}

@Suite struct CronPropertyTests {
    /// next(t) > t, the result fires, and no instant strictly between fires (checked exactly: minute by minute
    /// on the first and last day, day by day in between, which is exact in UTC because every time field is
    /// non-empty).
    @Test func nextAgreesWithTheReferenceInUTC() throws {
        var generator = ExpressionGenerator(state: 0x5eed)
        var checked = 0
        for round in 0..<2000 {
            let seconds = round % 5 == 0
            let text = generator.expression(seconds: seconds)
            let expression = try CronExpression.parse(text)
            let schedule = CronSchedule(expression: expression, zone: .utc)
            let reference = CronReferenceMatcher(expression: expression, zone: .utc, dstGap: .coalesce)
            let from = Int64(946_684_800 + generator.next(1_000_000_000))
            let step: Int64 = seconds ? 1 : 60
            guard let next = schedule.next(after: from) else {
                #expect(expression.neverFires || !hasMatchingDay(reference, from: from, through: 7_258_118_400), "\(text)")
                continue
            }
            #expect(next > from, "\(text)")
            #expect(reference.fires(at: next), "\(text) fired at \(next)")
            // First and last partial days: exact steps. Whole days between: any matching day would have a match.
            let firstDayEnd = (from / 86_400 + 1) * 86_400
            let earlier = reference.next(after: from, step: step, limit: min(next - 1, firstDayEnd - 1))
            #expect(earlier == nil, "\(text) after \(from): reference fired at \(earlier ?? 0), engine \(next)")
            if next >= firstDayEnd {
                let lastDayStart = next / 86_400 * 86_400
                #expect(reference.next(after: lastDayStart - 1, step: step, limit: next - 1) == nil, "\(text)")
                #expect(!hasMatchingDay(reference, from: firstDayEnd, through: lastDayStart - 1), "\(text)")
            }
            checked += 1
        }
        #expect(checked > 1500)
    }

    /// Around DST transitions, frequent schedules agree with the reference walked minute by minute.
    @Test(arguments: ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham"])
    func nextAgreesWithTheReferenceAcrossDST(_ zoneName: String) throws {
        let zone = try TimeZoneRules(identifier: zoneName)
        var generator = ExpressionGenerator(state: UInt64(zoneName.utf8.count) * 7919)
        let transitions = (2024...2027).flatMap { zone.transitions(inYear: $0) }
        for round in 0..<240 {
            let text = generator.pick(["0", "30", "*/15", "0,45", "15-45/15", "*/20", "5"]) + " "
                + generator.pick(["*", "2", "1-3", "*/2", "2,3", "0", "23", "1"]) + " * * *"
            let gap: DSTGapPolicy = round % 3 == 0 ? .skip : .coalesce
            let expression = try CronExpression.parse(text)
            let schedule = CronSchedule(expression: expression, zone: zone, dstGap: gap)
            let reference = CronReferenceMatcher(expression: expression, zone: zone, dstGap: gap)
            let transition = transitions[round % transitions.count]
            var cursor = transition.instant - Int64(3 * 3600) - Int64(generator.next(24 * 60)) * 60
            for _ in 0..<6 {
                let next = schedule.next(after: cursor)
                let expected = reference.next(after: cursor, step: 60, limit: cursor + 3 * 86_400)
                #expect(next == expected, "\(zoneName) \(text) \(gap) after \(cursor)")
                guard let next else { break }
                cursor = next
            }
        }
    }

    @Test func previousIsTheMirrorOfNext() throws {
        var generator = ExpressionGenerator(state: 42)
        let paris = try TimeZoneRules(identifier: "Europe/Paris")
        for round in 0..<500 {
            let expression = try CronExpression.parse(generator.expression(seconds: false))
            let schedule = CronSchedule(expression: expression, zone: round % 2 == 0 ? .utc : paris)
            let from = Int64(946_684_800 + generator.next(1_000_000_000))
            guard let next = schedule.next(after: from) else { continue }
            #expect(schedule.previous(before: next + 1) == next, "\(expression.source)")
            if let previous = schedule.previous(before: next) {
                #expect(previous <= from && schedule.next(after: previous) == next, "\(expression.source)")
            }
        }
    }

    private func hasMatchingDay(_ reference: CronReferenceMatcher, from: Int64, through: Int64) -> Bool {
        var day = from / 86_400
        while day * 86_400 <= through {
            let date = CivilDate.date(days: day)
            if reference.dayMatches(year: date.year, month: date.month, day: date.day) { return true }
            day += 1
        }
        return false
    }
}
