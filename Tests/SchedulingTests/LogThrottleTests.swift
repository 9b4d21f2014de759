@testable import Scheduling
import Testing

@Suite struct LogThrottleTests {
    @Test func oneLinePerKeyPerIntervalWithTheCountHeldBack() {
        let throttle = LogThrottle(interval: 300 * second)
        #expect(throttle.allow("a", now: t0) == 0)
        #expect(throttle.allow("a", now: t0 + second) == nil)
        #expect(throttle.allow("a", now: t0 + 2 * second) == nil)
        #expect(throttle.allow("b", now: t0 + 2 * second) == 0)
        #expect(throttle.allow("a", now: t0 + 300 * second) == 2)
        #expect(throttle.allow("a", now: t0 + 301 * second) == nil)
    }

    @Test func recentRunsKeepARunUntilOneCapacitySerialsLaterEnds() {
        var recent = RecentRuns(capacity: 3)
        for serial in UInt64(1)...5 { recent[serial] = .init(id: Int64(serial) * 10, error: nil) }
        #expect(recent[1] == nil && recent[2] == nil, "4 and 5 took their places")
        #expect(recent[3]?.id == 30 && recent[5]?.id == 50)
        #expect(recent[6] == nil && recent[8] == nil, "not ended: a slot holding another serial answers nil")
        recent[9] = .init(id: 90, error: "failed")
        #expect(recent[3] == nil && recent[9]?.error == "failed" && recent[4]?.id == 40)
    }
}
