// cron-bench: next-fire computations per second over a fixed mix of expressions, in UTC and Europe/Paris,
// and heap allocations per call. Usage: cron-bench [CALLS_PER_ZONE]   (default 2,000,000)
// CRON_BENCH_MIX=common picks the 10-expression mix that croniter and APScheduler can parse too
// (Benchmarks/Harness/cron_py.py measures them on the same mix), for the side-by-side table of Benchmarks/run.sh.
import Cron
import CronBenchMallocCounter

#if canImport(Glibc)
import Glibc
#endif

/// The documented mix: steps, fixed times, weekday ranges, L, W, #, nth-last, seconds, a leap day, years, H.
let documentedMix = [
    "*/5 * * * *",  // every 5 minutes
    "30 2 * * *",  // a fixed time (DST-sensitive)
    "0 9-17 * * MON-FRI",  // office hours
    "0 0 L * *",  // last day of the month
    "0 12 * * 5#3",  // third Friday
    "0 0 * * 5L",  // last Friday
    "0 0 15W * *",  // weekday nearest the 15th
    "*/10 * * * * *",  // every 10 seconds (6 fields)
    "0 0 29 2 *",  // leap day
    "0 0 0 1 1 * 2030-2199/5",  // yearly, every 5th year (7 fields)
    "H H(2-3) * * *",  // hashed
    "0 0 13 * +FRI",  // Friday the 13th (AND)
]

/// The side-by-side mix: only what croniter and APScheduler also parse (no W, no H, no +). Keep it equal to
/// `COMMON_MIX` in Benchmarks/Harness/cron_py.py.
let commonMix = [
    "*/5 * * * *", "30 2 * * *", "0 9-17 * * MON-FRI", "0 0 L * *", "0 12 * * 5#3", "0 0 * * 5L",
    "*/10 * * * * *", "0 0 29 2 *", "0 0 0 1 1 * 2030-2199/5", "15 10 1,15 * *",
]

let mix = getenv("CRON_BENCH_MIX").map { String(cString: $0) } == "common" ? commonMix : documentedMix

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Proves the counter is live: a fresh heap buffer must be counted, or "0 mallocs" would mean nothing.
func allocationCounterWorks() -> Bool {
    let before = hk_bench_allocation_count()
    let buffer = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    buffer.deallocate()
    return hk_bench_allocation_count() > before
}

guard allocationCounterWorks() else {
    print("cron-bench: the malloc counter is not active (allocations cannot be measured)")
    exit(2)
}

let calls = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2_000_000 : 2_000_000
var results: [(String, Double, Double)] = []
for zoneName in ["UTC", "Europe/Paris"] {
    let zone = try TimeZoneRules(identifier: zoneName)
    let schedules = try mix.map { CronSchedule(expression: try CronExpression.parse($0, seed: "bench"), zone: zone) }
    // Start instants spread over 2020-2035 so every DST transition of those years is crossed.
    let instants = (0..<4096).map { Int64(1_577_836_800) + Int64($0) &* 115_911 % 473_040_000 }
    var checksum: Int64 = 0
    for index in 0..<50_000 {  // warm-up
        checksum &+= schedules[index % schedules.count].next(after: instants[index & 4095]) ?? 0
    }
    let allocationsBefore = hk_bench_allocation_count()
    let start = now()
    var index = 0
    while index < calls {
        checksum &+= schedules[index % schedules.count].next(after: instants[index & 4095]) ?? 0
        index += 1
    }
    let seconds = now() - start
    let allocations = Double(hk_bench_allocation_count() - allocationsBefore) / Double(calls)
    results.append((zoneName, Double(calls) / seconds, allocations))
    print("\(zoneName): \(Int(Double(calls) / seconds)) next()/s, \(allocations) mallocs per call "
        + "(\(calls) calls over \(mix.count) expressions, checksum \(checksum))")
}
if results.count == 2 {
    let ratio = (results[0].1 / results[1].1 * 100).rounded() / 100
    print("Europe/Paris costs \(ratio)x UTC")
}
