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

    /// A line of short jobs does not wake a thread per job: a job queued while a thread is on its way summons
    /// nobody, and the thread that comes takes the jobs one after another, waking one more only when it takes a
    /// job with others still waiting and nobody is on the way. The rule, step by step (no threads, no timing).
    @Test func aLineOfJobsSummonsOneThreadAtATimeNotOnePerJob() {
        var state = BlockingThreadPool.State()
        #expect(state.enqueue {} == .start(number: 1), "the first job starts a thread")
        for _ in 0..<199 { #expect(state.enqueue {} == .nobody, "a thread is on its way: nobody else is called") }
        #expect(state.summoned == 1)

        // The thread arrives and takes a job with 199 waiting: it calls the next before running its own.
        state.arrive()
        var taken = state.take()
        #expect(taken.job != nil && taken.summons == .start(number: 2))
        // It comes back for more before the second arrives: nobody more is called.
        for _ in 0..<50 {
            taken = state.take()
            #expect(taken.job != nil && taken.summons == .nobody)
        }
        // The second arrives; the next take (by either) calls one more, as jobs still wait.
        state.arrive()
        taken = state.take()
        #expect(taken.summons == .start(number: 3))
        // The third arrives and the line is drained: one more is called on the first take, none after.
        state.arrive()
        #expect(state.take().summons == .start(number: 4))
        var rest = 0
        while true {
            let next = state.take()
            guard next.job != nil else { break }
            #expect(next.summons == .nobody)
            rest += 1
        }
        #expect(rest == 147 && state.jobs.isEmpty)
        // The fourth arrives to an empty line and waits idle: the next job wakes it instead of starting another.
        state.arrive()
        state.idle = 1
        #expect(state.enqueue {} == .wake)
        #expect(state.enqueue {} == .nobody)
        #expect(state.summoned == 5 && state.threads == 4, "201 jobs: four threads started, one woken")
    }

    /// The same through real threads: 200 short jobs submitted back to back all run.
    @Test func aLineOfShortJobsAllRun() async throws {
        let pool = BlockingThreadPool(name: "test")
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<200 { pool.submit { done.signal() } }
        for _ in 0..<200 { #expect(done.wait(timeout: .now() + 10) == .success) }
    }

    /// A batch (the scheduler's starts of one loop turn) calls one thread for all its jobs, and adds nobody while
    /// a thread is on its way; the thread that comes calls the next as it takes the first job.
    @Test func aBatchOfJobsSummonsOneThread() {
        var state = BlockingThreadPool.State()
        state.idle = 2
        #expect(state.enqueue(contentsOf: Array(repeating: {}, count: 50)) == .wake)
        #expect(state.enqueue(contentsOf: Array(repeating: {}, count: 50)) == .nobody)
        #expect(state.enqueue(contentsOf: []) == .nobody)
        #expect(state.jobs.count == 100 && state.summoned == 1)
        state.arrive()
        #expect(state.take().summons == .wake, "the first taker calls the second idle thread for the rest")
    }

    /// The same through real threads: a batch's jobs all run, each once, while they wait for each other.
    @Test func aBatchOfJobsAllRunAtOnce() async throws {
        let pool = BlockingThreadPool(name: "test")
        let count = 8
        let arrived = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        // Every job blocks until all have started: the batch's single wake-up must still bring a thread per job.
        pool.submit(contentsOf: (0..<count).map { _ in
            { @Sendable in
                arrived.signal()
                _ = release.wait(timeout: .now() + 10)
                done.signal()
            }
        })
        for _ in 0..<count { #expect(arrived.wait(timeout: .now() + 10) == .success) }
        for _ in 0..<count { release.signal() }
        for _ in 0..<count { #expect(done.wait(timeout: .now() + 10) == .success) }
        #expect(pool.threadCount == count)
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
