/// A response as far as it was read: status, headers, and the body (decoded from chunks when chunked).
struct HTTPResponse: Sendable {
    /// The status code.
    var status: Int
    /// The reason phrase.
    var reason: String
    /// Header fields, names lower-cased.
    var headers: [(name: String, value: String)]
    /// The body bytes read (at most the reader's limit).
    var body: [UInt8]
    /// Whether the body was longer than what was read.
    var bodyTruncated: Bool
}

/// Incremental reader of one HTTP/1.1 response on a `Connection: close` exchange.
struct HTTPResponseReader {
    /// The most body bytes kept; reading stops after them.
    let bodyLimit: Int
    /// Whether the request was HEAD (no body follows).
    let isHead: Bool
    private var buffer: [UInt8] = []
    private var headerEnd: Int?
    private(set) var head: (status: Int, reason: String, headers: [(name: String, value: String)])?

    init(bodyLimit: Int, isHead: Bool) {
        self.bodyLimit = bodyLimit
        self.isHead = isHead
    }

    /// The problem with the response head, when it is not HTTP.
    enum Problem: Error { case malformed(String) }

    /// Adds bytes read from the socket.
    /// - Returns: whether the response is complete (or enough of it was read).
    mutating func append(_ bytes: ArraySlice<UInt8>) throws(Problem) -> Bool {
        buffer.append(contentsOf: bytes)
        if headerEnd == nil {
            guard let end = Self.find([13, 10, 13, 10], in: buffer) else {
                if buffer.count > 65_536 { throw .malformed("response headers longer than 64 KiB") }
                return false
            }
            headerEnd = end + 4
            head = try Self.parseHead(buffer[0..<end])
        }
        return isComplete
    }

    private var bodyBytes: ArraySlice<UInt8> { buffer[(headerEnd ?? buffer.count)...] }

    private func header(_ name: String) -> String? { head?.headers.first { $0.name == name }?.value }

    private var hasNoBody: Bool {
        guard let status = head?.status else { return false }
        return isHead || (100..<200).contains(status) || status == 204 || status == 304
    }

    private var isChunked: Bool { header("transfer-encoding")?.lowercased().contains("chunked") ?? false }

    private var isComplete: Bool {
        guard head != nil else { return false }
        if hasNoBody { return true }
        if isChunked {
            return Self.find([48, 13, 10, 13, 10], in: Array(bodyBytes)) != nil || bodyBytes.count > bodyLimit * 2 + 4096
        }
        if let length = header("content-length").flatMap({ Int($0.trimmingSpaces) }) {
            return bodyBytes.count >= min(length, bodyLimit + 1)
        }
        return bodyBytes.count > bodyLimit
    }

    /// The response read so far (after the connection closed or `append` said it is complete).
    /// - Returns: `nil` when not even the head arrived.
    func response() -> HTTPResponse? {
        guard let head else { return nil }
        var body = hasNoBody ? [] : Array(bodyBytes)
        var truncated = false
        if isChunked { (body, truncated) = Self.dechunk(body) }
        if let length = header("content-length").flatMap({ Int($0.trimmingSpaces) }), length > body.count {
            truncated = true
        }
        if body.count > bodyLimit {
            body = Array(body.prefix(bodyLimit))
            truncated = true
        }
        return HTTPResponse(status: head.status, reason: head.reason, headers: head.headers, body: body,
                            bodyTruncated: truncated)
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws(Problem)
        -> (status: Int, reason: String, headers: [(name: String, value: String)]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...999).contains(status)
        else { throw .malformed("not an HTTP/1.x response: \"\(statusLine.prefix(80))\"") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), String(line[line.index(after: colon)...]).trimmingSpaces))
        }
        return (status, parts.count > 2 ? String(parts[2]) : "", headers)
    }

    /// Decodes a chunked body; a missing end counts as truncated.
    private static func dechunk(_ bytes: [UInt8]) -> ([UInt8], Bool) {
        var out: [UInt8] = []
        var index = 0
        while let lineEnd = find([13, 10], in: bytes, from: index) {
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16) else { return (out, true) }
            if size == 0 { return (out, false) }
            let start = lineEnd + 2
            let end = min(start + size, bytes.count)
            out += bytes[start..<end]
            if end < start + size { return (out, true) }
            index = end + 2
        }
        return (out, true)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
