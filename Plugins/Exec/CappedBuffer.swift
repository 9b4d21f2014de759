/// Collects a stream's bytes, keeping only the last `limit` of them (the end of a log is where errors are).
struct CappedBuffer: Sendable {
    /// The most bytes kept.
    let limit: Int
    /// Every byte seen, kept or not.
    private(set) var totalBytes = 0
    private var bytes: [UInt8] = []

    /// Creates an empty buffer.
    /// - Parameter limit: the most bytes kept.
    init(limit: Int) { self.limit = limit }

    /// Adds bytes, dropping the oldest beyond the limit.
    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        totalBytes += chunk.count
        bytes.append(contentsOf: chunk)
        if bytes.count > limit * 2 { bytes.removeFirst(bytes.count - limit) }
    }

    /// Whether bytes were dropped.
    var wasTruncated: Bool { totalBytes > limit }

    /// The kept bytes as text (invalid UTF-8 repaired), starting at a character boundary.
    var text: String {
        var kept = bytes.suffix(limit)
        while let first = kept.first, first & 0xC0 == 0x80 { kept.removeFirst() }
        return String(decoding: kept, as: UTF8.self)
    }

    /// The last non-empty line, for error messages.
    var lastLine: String {
        text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
    }
}
