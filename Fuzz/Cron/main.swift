// Fuzz driver for the cron engine, compiled together with Sources/Cron (one module, so it can use the internal
// reference matcher). For each round it parses a random valid expression and a mutated one; the parser must never
// crash, errors must point inside the text, and every schedule must agree with the brute-force reference.
#if canImport(Glibc)
import Glibc
#endif

// Usage: cron-fuzz ROUNDS [SEED]. Exits 1 on the first violation, printing how to reproduce it.

/// A small deterministic generator (PCG-style LCG), so a seed reproduces a run.
struct FuzzRandom {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(max(bound, 1)))
    }
    mutating func pick<T>(_ options: [T]) -> T { options[next(options.count)] }
}

func numeric(_ random: inout FuzzRandom, _ low: Int, _ high: Int) -> String {
    let a = low + random.next(high - low + 1)
    let b = a + random.next(high - a + 1)
    switch random.next(8) {
    case 0: return "*"
    case 1: return "*/\(1 + random.next(min(12, high - low)))"
    case 2: return "\(a)"
    case 3: return "\(a)-\(b)"
    case 4: return "\(a)-\(b)/\(1 + random.next(5))"
    case 5: return "\(a),\(b)"
    case 6: return random.pick(["H", "H(\(a)-\(b))", "H/\(1 + random.next(min(10, high - low)))"])
    default: return "\(low)-\(high)/\(2 + random.next(3))"
    }
}

func validExpression(_ random: inout FuzzRandom) -> String {
    var dayOfMonth = numeric(&random, 1, 31)
    if random.next(5) == 0 {
        dayOfMonth = random.pick(["L", "L-\(random.next(5))", "LW", "\(1 + random.next(31))W", "?", "1,L"])
    }
    var dayOfWeek = numeric(&random, 0, 7)
    switch random.next(6) {
    case 0: dayOfWeek = random.pick(["\(random.next(8))L", "\(random.next(7))#\(1 + random.next(5))", "FRI#L", "?"])
    case 1: dayOfWeek = "+" + dayOfWeek
    case 2: dayOfWeek = random.pick(["MON-FRI", "SUN,SAT", "tue"])
    default: break
    }
    let month = random.next(3) == 0 ? numeric(&random, 1, 12) : random.pick(["*", "JAN-JUN", "*"])
    var fields = [numeric(&random, 0, 59), numeric(&random, 0, 23), dayOfMonth, month, dayOfWeek]
    switch random.next(6) {
    case 0: fields.insert(random.pick(["0", "*/15", "30", "*/20"]), at: 0)
    case 1: fields = [random.pick(["0", "*/30"])] + fields + [random.pick(["*", "2026-2199/3", "2030,2040"])]
    case 2: return random.pick(["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@reboot", "@midnight"])
    default: break
    }
    return fields.joined(separator: random.pick([" ", "  ", "\t"]))
}

func mutate(_ text: String, _ random: inout FuzzRandom) -> String {
    var chars = Array(text)
    let alphabet = Array("0123456789*/-,?LW#H()+ @MONJANlwé\t\u{0}x")
    for _ in 0..<(1 + random.next(4)) {
        switch random.next(4) {
        case 0 where !chars.isEmpty: chars.remove(at: random.next(chars.count))
        case 1: chars.insert(random.pick(alphabet), at: random.next(chars.count + 1))
        case 2 where !chars.isEmpty: chars[random.next(chars.count)] = random.pick(alphabet)
        default: chars += chars.prefix(random.next(6))
        }
    }
    return String(chars)
}

func fail(_ message: String, seed: UInt64) -> Never {
    print("cron-fuzz: VIOLATION: \(message)\n  reproduce with: Fuzz/Cron/run.sh <rounds> \(seed)")
    exit(1)
}

/// Checks next() on one schedule from a few instants against the reference.
func check(_ expression: CronExpression, zone: TimeZoneRules, gap: DSTGapPolicy, random: inout FuzzRandom, seed: UInt64) {
    let schedule = CronSchedule(expression: expression, zone: zone, dstGap: gap)
    let reference = CronReferenceMatcher(expression: expression, zone: zone, dstGap: gap)
    let isUTC = zone.transitions(inYear: 2026).isEmpty && zone.offset(at: 0) == 0
    let step: Int64 = expression.fields.seconds == 1 ? 60 : 1
    for _ in 0..<4 {
        let from = Int64(946_684_800 + random.next(1_200_000_000))
        let where_ = "\"\(expression.source)\" in \(zone.identifier) (\(gap)) after \(from)"
        guard let next = schedule.next(after: from) else {
            if !expression.isReboot, isUTC, reference.hasMatchingDay(from: from + 86_400, through: 7_258_118_399) {
                fail("next() is nil but a later day matches: \(where_)", seed: seed)
            }
            continue
        }
        if next <= from { fail("next() \(next) is not after the start: \(where_)", seed: seed) }
        if !reference.fires(at: next) { fail("next() \(next) does not match: \(where_)", seed: seed) }
        if schedule.previous(before: next + 1) != next { fail("previous() does not mirror next() \(next): \(where_)", seed: seed) }
        // No firing instant strictly between: walk exactly when the span is short enough.
        let span = next - from
        if span <= (step == 1 ? 2 * 86_400 : 4 * 86_400) || (isUTC && span <= 400 * 86_400) {
            if let earlier = reference.next(after: from, step: step, limit: next - 1) {
                fail("reference fires at \(earlier), before next() \(next): \(where_)", seed: seed)
            }
        }
    }
}

let arguments = CommandLine.arguments
let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 20 : 20
let seed = arguments.count > 2 ? UInt64(arguments[2]) ?? 1 : 1
var random = FuzzRandom(state: seed)
let zones = try ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "America/Santiago",
    "Pacific/Chatham", "Asia/Kathmandu"].map { try TimeZoneRules(identifier: $0) }
var parsed = 0
var rejected = 0
for round in 0..<rounds {
    let valid = validExpression(&random)
    for text in [valid, mutate(valid, &random)] {
        do {
            let expression = try CronExpression.parse(text, seed: "task-\(round)")
            parsed += 1
            check(expression, zone: zones[0], gap: .coalesce, random: &random, seed: seed)
            check(expression, zone: random.pick(zones), gap: random.pick([.coalesce, .skip]), random: &random, seed: seed)
        } catch {
            rejected += 1
            if text == valid { fail("a generated valid expression was rejected: \"\(text)\": \(error.message)", seed: seed) }
            if error.column < 0 || error.column > text.count {
                fail("error column \(error.column) outside \"\(text)\"", seed: seed)
            }
            if error.message.isEmpty || !error.render(expression: text).contains("^") {
                fail("error without message or caret for \"\(text)\"", seed: seed)
            }
        }
    }
}
print("cron-fuzz: \(rounds) rounds, seed \(seed): \(parsed) parsed and checked against the reference, \(rejected) rejected, 0 violations")
