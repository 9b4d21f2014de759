public import Logging
import Foundation
import Synchronization

/// Where log lines go: standard error by default, a buffer in tests. Each line is handed over whole, under a
/// lock, so lines from different threads never interleave.
public final class LogLineSink: Sendable {
    private let write: @Sendable (String) -> Void

    /// Lines go to `write`; it is called for one line at a time, under a lock.
    public init(_ write: @escaping @Sendable (String) -> Void) {
        let lock = Mutex(())
        self.write = { line in lock.withLock { _ in write(line) } }
    }

    /// Standard error, one `write(2)` per line (stderr is unbuffered: nothing is held back in the process).
    public static let standardError = LogLineSink { line in
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    func emit(_ line: String) { write(line) }
}

/// The text log format (`log.format: text`, the default), line for line what swift-log's `StreamLogHandler`
/// writes: `2026-11-23T22:02:27+0000 info housekeeper: run.id=7 task.name=x [Scheduling] run.finished`, metadata
/// sorted by key.
///
/// Written for the dispatch path, where a daemon running a thousand runs a second logs a few thousand lines a
/// second: `StreamLogHandler` formats its timestamp with `localtime` and `strftime`, and glibc's `tzset` behind
/// them stats `/etc/localtime` on every line (about 5 % of the daemon's CPU in the steady benchmark's profile), and
/// it re-renders the metadata each time one key is set. Here the timestamp is rendered once per second
/// (`localtime_r`, which uses the zone loaded at start-up) and metadata only when a line is written.
public struct TextLogHandler: LogHandler {
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    let label: String
    let sink: LogLineSink
    let clock: SecondStamp

    /// Creates a handler for `label` writing to `sink`.
    /// - Parameter now: seconds since the epoch (tests pin it).
    public init(
        label: String, sink: LogLineSink = .standardError,
        now: (@Sendable () -> Int)? = nil
    ) {
        self.label = label
        self.sink = sink
        self.clock = SecondStamp(now: now ?? { Int(time(nil)) })
    }

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line.
    public func log(event: LogEvent) {
        var line = clock.stamp()
        line += " "
        line += event.level.rawValue
        if !label.isEmpty {
            line += " "
            line += label
        }
        line += ":"
        if let extra = event.metadata, !extra.isEmpty {
            var merged = metadata
            merged.merge(extra) { _, new in new }
            Self.render(merged, into: &line)
        } else {
            Self.render(metadata, into: &line)
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        sink.emit(line)
    }

    private static func render(_ metadata: Logger.Metadata, into line: inout String) {
        guard !metadata.isEmpty else { return }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " "
            line += key
            line += "="
            line += value.description
        }
    }

    /// The local time of the current second as `%Y-%m-%dT%H:%M:%S%z`, rendered once per second and shared by
    /// every copy of the handler.
    final class SecondStamp: Sendable {
        private let now: @Sendable () -> Int
        private let last = Mutex<(second: Int, text: String)>((Int.min, ""))

        init(now: @escaping @Sendable () -> Int) { self.now = now }

        func stamp() -> String {
            let second = now()
            if let cached = last.withLock({ $0.second == second ? $0.text : nil }) { return cached }
            let text = Self.render(second)
            last.withLock { $0 = (second, text) }
            return text
        }

        static func render(_ second: Int) -> String {
            var seconds = time_t(second)
            var parts = tm()
            localtime_r(&seconds, &parts)
            let offset = Int(parts.tm_gmtoff) / 60
            return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
                + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
                + (offset < 0 ? "-" : "+") + pad(abs(offset) / 60, 2) + pad(abs(offset) % 60, 2)
        }

        private static func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
    }
}
