public import Config
public import History
public import Logging
public import ServiceLifecycle

/// Deletes old history rows on a timer of its own (`state.history_retention`, `state.history_keep_failed`).
///
/// Each pass deletes in small batches, one short write transaction each, and yields between them, so runs that
/// record their outcomes never wait for more than one batch. Queued and running rows are never deleted.
public struct HistoryPruner: Service {
    let history: HistoryStore
    let clock: any SchedulerClock
    let settings: @Sendable () async -> RetentionSettings
    let logger: Logger
    let batchSize: Int

    /// Creates a pruner.
    /// - Parameters:
    ///   - settings: read before every pass, so a reload's new retention applies at the next pass.
    ///   - batchSize: rows deleted per transaction.
    public init(
        history: HistoryStore, clock: any SchedulerClock, logger: Logger, batchSize: Int = 500,
        settings: @escaping @Sendable () async -> RetentionSettings
    ) {
        self.history = history
        self.clock = clock
        self.settings = settings
        self.logger = logger
        self.batchSize = batchSize
    }

    /// Prunes once at start-up, then every `state.prune_interval`, until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let retention = await settings()
                await prune(now: clock.now(), retention: retention)
                do {
                    try await clock.sleep(until: clock.now() + retention.pruneInterval.micros)
                } catch {
                    return
                }
            }
        }
    }

    /// One pass: deletes every row past its retention, batch after batch.
    /// - Returns: how many rows were deleted.
    @discardableResult
    public func prune(now: Micros, retention: RetentionSettings) async -> Int {
        var total = 0
        while !Task.isCancelled {
            let deleted: Int
            do {
                deleted = try await history.pruneBatch(
                    endedBefore: now - retention.keep.micros, failedEndedBefore: now - retention.keepFailed.micros,
                    limit: batchSize)
            } catch {
                logger.error("history.prune.failed", metadata: ["error": "\(error)", "rows.deleted": "\(total)"])
                break
            }
            total += deleted
            if deleted < batchSize { break }
            await Task.yield()
        }
        if total > 0 {
            logger.info("history.pruned", metadata: [
                "rows.deleted": "\(total)", "retention": "\(retention.keep)",
                "retention.failed": "\(retention.keepFailed)",
            ])
        }
        return total
    }
}
