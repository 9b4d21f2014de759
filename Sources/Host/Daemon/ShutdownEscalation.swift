import Logging
import Scheduling
import ServiceLifecycle
import UnixSignals

/// Counts SIGTERM/SIGINT: the first starts the graceful shutdown (the `ServiceGroup` handles it); the second
/// tells the scheduler to stop waiting for runs that have not returned yet.
struct ShutdownEscalation: Service {
    let scheduler: Scheduler
    let logger: Logger

    func run() async throws {
        var seen = 0
        for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint).cancelOnGracefulShutdown() {
            seen += 1
            if seen >= 2 {
                logger.warning("shutdown.escalated", metadata: ["signals": "\(seen)"])
                await scheduler.hurry()
            }
        }
    }
}
