/// The last few log lines of a worker, kept for the crash report.
struct LogTail {
    /// How many lines are kept.
    let capacity: Int
    private(set) var lines: [String] = []
    private var partialLine: [UInt8] = []

    /// Creates an empty tail keeping `capacity` lines.
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Keeps `line` (cut to 300 characters), dropping the oldest line when full.
    mutating func append(_ line: String) {
        let trimmed = line.count > 300 ? String(line.prefix(300)) + "…" : line
        lines.append(trimmed)
        if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
    }

    /// Adds raw stream bytes; returns the complete lines they finish (also kept), without line ends.
    mutating func appendStream(_ bytes: [UInt8], label: String) -> [String] {
        partialLine.append(contentsOf: bytes)
        var complete: [String] = []
        while let newline = partialLine.firstIndex(of: 0x0A) {
            let text = String(decoding: partialLine[..<newline], as: UTF8.self)
            partialLine.removeSubrange(...newline)
            complete.append(text)
        }
        if partialLine.count > 4096 {  // a line without end: keep what we have
            complete.append(String(decoding: partialLine, as: UTF8.self))
            partialLine.removeAll()
        }
        for line in complete where !line.isEmpty { append("\(label): \(line)") }
        return complete.filter { !$0.isEmpty }
    }

    /// Flushes a last line without a newline.
    mutating func finishStream(label: String) -> String? {
        guard !partialLine.isEmpty else { return nil }
        let text = String(decoding: partialLine, as: UTF8.self)
        partialLine.removeAll()
        append("\(label): \(text)")
        return text
    }

    /// `; last log lines: a | b | c`, or an empty string when there are none.
    var suffix: String {
        lines.isEmpty ? "" : "; last log lines: " + lines.joined(separator: " | ")
    }
}
