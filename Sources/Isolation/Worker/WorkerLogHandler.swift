import Logging

/// A swift-log handler that sends each line to the daemon as a `log` message; the daemon logs it with the
/// run's metadata, so the worker adds none of its own.
struct WorkerLogHandler: LogHandler {
    /// Where messages go.
    let writer: MessageWriter
    /// The lowest level sent.
    var logLevel: Logger.Level = .trace
    /// Ignored: the daemon's logger carries the metadata.
    var metadata: Logger.Metadata = [:]
    /// Ignored.
    var metadataProvider: Logger.MetadataProvider?

    /// Sends the line.
    func log(event: LogEvent) {
        writer.send(.log, LogMessage(level: event.level.rawValue, message: event.message.description))
    }

    /// Metadata is the daemon's business.
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
