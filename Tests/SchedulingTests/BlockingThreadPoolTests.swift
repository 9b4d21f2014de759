import Dispatch
import Foundation
@testable import Scheduling
import Testing

/// The pool never leaves a job waiting behind a blocked one.
struct BlockingThreadPoolTests {
    @Test func aJobSubmittedRightAfterABlockingOneRunsWhileTheFirstBlocks() async throws {
        let pool = BlockingThreadPool(name: "test")
        await pool.run {}
        for _ in 0..<20 {
            // Every thread idle, as in a daemon between runs (polling for a state, not for time).
            while pool.idleCount < pool.threadCount { await Task.yield() }
            let release = DispatchSemaphore(value: 0)
            let ran = DispatchSemaphore(value: 0)
            // Back to back: the idle thread has not woken for the first job when the second arrives.
            pool.submit { release.wait() }
            pool.submit { ran.signal() }
            // Bounded only so that a regression fails instead of hanging the suite.
            let result = ran.wait(timeout: .now() + 10)
            release.signal()
            #expect(result == .success, "the second job waited behind the blocked first one")
            if result != .success { return }
        }
    }
}
