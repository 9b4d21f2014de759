// Optional coverage-guided fuzz target for the cron parser and next(), for libFuzzer
// (`swiftc -sanitize=fuzzer,address`; see ../libfuzzer.sh). Compiled in one module with Sources/Cron so it can use
// the internal reference matcher. A crash, an ASan report or a failed precondition is a finding.

/// libFuzzer's entry point: parse the bytes as an expression; if valid, next() must be later and must match.
@_cdecl("LLVMFuzzerTestOneInput")
public func cronFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let expression = try CronExpression.parse(text, seed: "fuzz")
        let start: EpochSeconds = 1_700_000_000 + EpochSeconds(size) * 86_399
        let schedule = CronSchedule(expression: expression, zone: .utc)
        if let next = schedule.next(after: start) {
            precondition(next > start, "next() not after start for \(text)")
            let reference = CronReferenceMatcher(expression: expression, zone: .utc, dstGap: .coalesce)
            precondition(reference.fires(at: next), "next() does not match for \(text)")
            precondition(schedule.previous(before: next + 1) == next, "previous() does not mirror next() for \(text)")
        }
    } catch {
        precondition(error.column >= 0 && error.column <= text.count, "column outside the text for \(text)")
        precondition(error.render(expression: text).contains("^"), "no caret for \(text)")
    }
    return 0
}
