import Foundation

/// Splits a byte stream into protocol frames, keeping a partial frame until the rest arrives.
struct FrameDecoder {
    /// A decoded frame.
    struct Frame {
        /// The kind byte (kept raw: an unknown kind is a protocol error the caller reports).
        var kind: UInt8
        /// The JSON payload.
        var payload: [UInt8]

        /// The payload decoded as `T`, or `nil` when it is not valid.
        func decode<T: Decodable>(_ type: T.Type) -> T? {
            try? JSONDecoder().decode(type, from: Data(payload))
        }
    }

    private var buffer: [UInt8] = []
    private var start = 0

    /// Why the stream is not the protocol, once it was found not to be (nothing more is decoded after that).
    private(set) var violation: String?

    /// Adds bytes and returns every frame they complete.
    mutating func append(_ bytes: some Collection<UInt8>) -> [Frame] {
        guard violation == nil else { return [] }
        buffer.append(contentsOf: bytes)
        var frames: [Frame] = []
        while buffer.count - start >= 4 {
            let length = Int(buffer[start]) | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2]) << 16
                | Int(buffer[start + 3]) << 24
            guard length >= 1, length <= WorkerProtocol.maximumFrame else {
                violation = "a frame of \(length) bytes (garbage on the protocol descriptor?)"
                return frames
            }
            guard buffer.count - start - 4 >= length else { break }
            let kind = buffer[start + 4]
            frames.append(Frame(kind: kind, payload: Array(buffer[(start + 5)..<(start + 4 + length)])))
            start += 4 + length
        }
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1 << 16 {
            buffer.removeFirst(start)
            start = 0
        }
        return frames
    }

    /// Bytes of an unfinished frame left when the stream ended.
    var pendingByteCount: Int { buffer.count - start }
}
