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

    @Test func recentRunsForgetTheOldestBeyondCapacity() {
        var recent = RecentRuns(capacity: 3)
        for serial in UInt64(1)...5 { recent[serial] = .init(id: Int64(serial) * 10, error: nil) }
        #expect(recent[1] == nil && recent[2] == nil)
        #expect(recent[3]?.id == 30 && recent[5]?.id == 50)
    }
}
