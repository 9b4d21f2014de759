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

    /// Threads are woken as a relay (each woken thread wakes the next when jobs remain): a line of jobs that all
    /// block until every one of them runs still gets a thread each, with idle threads and without.
    @Test func jobsThatWaitForEachOtherAllRunAtOnceWhetherThreadsAreIdleOrNew() async throws {
        let pool = BlockingThreadPool(name: "test")
        for round in 0..<4 {
            // Round 0 starts every thread; later rounds find six idle (and start the rest).
            let count = 6 + round * 2
            if round > 0 {
                while pool.idleCount < pool.threadCount { await Task.yield() }
            }
            let arrived = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            for _ in 0..<count {
                pool.submit {
                    arrived.signal()
                    release.wait()
                }
            }
            var all = true
            for _ in 0..<count where arrived.wait(timeout: .now() + 10) != .success { all = false }
            for _ in 0..<count { release.signal() }
            #expect(all, "round \(round): not all \(count) jobs ran at once")
            if !all { return }
        }
        #expect(pool.threadCount == 12, "threads are reused: as many as the most jobs ever running at once")
    }

    /// A line of short jobs does not wake a thread per job: the woken thread takes the next one itself.
    @Test func aLineOfShortJobsWakesAFewThreadsNotOnePerJob() async throws {
        let pool = BlockingThreadPool(name: "test")
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<200 { pool.submit { done.signal() } }
        for _ in 0..<200 { #expect(done.wait(timeout: .now() + 10) == .success) }
        // One is woken only when none is on its way. Signalling a thread for every job (as the pool did) is 200;
        // a relay finishes in a handful, whatever the machine's load, as long as a thread takes more than one job
        // in the time the next one takes to wake.
        #expect(pool.summonCount < 100)
    }

    /// Operators find the pool's threads by name (`top -H`, `/proc/PID/task/*/comm`): the name the kernel has.
    @Test func poolThreadsCarryTheirNameInTheKernel() async throws {
        let pool = BlockingThreadPool(name: "hk-test")
        let name = await pool.run { () -> String in
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            return comm.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(name == "hk-test-1")
    }
}
