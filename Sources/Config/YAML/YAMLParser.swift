import CYAML

/// Turns YAML text into a node tree using libyaml's event API.
///
/// Positions come from the event marks (0-based in libyaml, 1-based here). Aliases are resolved by copying
/// the anchored node; merge keys (`<<: *base`) add the anchored mapping's keys that the mapping does not set
/// itself. Duplicate keys in one mapping are reported. A syntax error stops parsing and is reported with
/// libyaml's position and problem text.
struct YAMLParser {
    /// The text being parsed.
    private let bytes: [UInt8]
    /// Where each line starts in `bytes`, to capture a one-line scalar's raw text.
    private let lineStarts: [Int]
    /// The line decoded last (scalars come line by line, several on one line): its number and Unicode scalars,
    /// nil when the line is plain ASCII (most are; their text is copied from the bytes without decoding).
    private var decodedLine: (number: Int, scalars: [Unicode.Scalar]?) = (0, nil)
    /// Nodes by anchor name, for aliases and merge keys, with how many nodes each holds.
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    /// Nodes built so far, counting every alias as the nodes it copies (guards against alias bombs).
    private var nodeCount = 0
    /// Collections open around the node being parsed.
    private var depth = 0

    /// The most nodes a document may expand to, aliases included.
    static let maximumNodes = 1_000_000
    /// The deepest nesting of collections accepted.
    static let maximumDepth = 200

    /// Prepares to parse `text`.
    init(text: String) {
        self.bytes = Array(text.utf8)
        // Lines are decoded only when a scalar on them is captured (a large file decoded up front cost more than
        // parsing it).
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
        self.lineStarts = starts
    }

    /// Parses the single document in the text.
    /// - Returns: the root node, or nil for an empty document or after a syntax error (which is recorded).
    mutating func parse(into diagnostics: inout DiagnosticCollector) -> YAMLNode? {
        guard !bytes.isEmpty else { return nil }
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            diagnostics.error("could not initialize the YAML parser (out of memory)", at: YAMLMark(line: 1, column: 1))
            return nil
        }
        defer { yaml_parser_delete(parser) }
        // A local copy: the closure mutates self (anchors), which must not overlap an access to self.bytes.
        let input = bytes
        return input.withUnsafeBufferPointer { buffer -> YAMLNode? in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var events = YAMLEventReader(parser: parser)
            do throws(YAMLSyntaxError) {
                return try parseStream(&events, diagnostics: &diagnostics)
            } catch {
                diagnostics.error(error.message + hint(at: error.mark), at: error.mark)
                return nil
            }
        }
    }

    private mutating func parseStream(
        _ events: inout YAMLEventReader,
        diagnostics: inout DiagnosticCollector
    ) throws(YAMLSyntaxError) -> YAMLNode? {
        var root: YAMLNode?
        var documents = 0
        while true {
            let event = try events.next(bytes: bytes)
            switch event.kind {
            case .streamEnd:
                return root
            case .documentStart:
                documents += 1
                if documents == 2 {
                    diagnostics.error(
                        "the file holds more than one YAML document; keep a single document (remove the `---` line)",
                        at: event.mark)
                }
            case .streamStart, .documentEnd:
                continue
            default:
                let node = try parseNode(event, &events, diagnostics: &diagnostics)
                if documents <= 1 { root = node }
            }
        }
    }

    private mutating func parseNode(
        _ event: YAMLEvent,
        _ events: inout YAMLEventReader,
        diagnostics: inout DiagnosticCollector
    ) throws(YAMLSyntaxError) -> YAMLNode {
        var node: YAMLNode
        let countBefore = nodeCount
        nodeCount += 1
        switch event.kind {
        case .alias(let anchor):
            guard let anchored = anchors[anchor] else {
                throw YAMLSyntaxError(
                    message: "unknown alias *\(anchor); define the anchor &\(anchor) before using it", mark: event.mark)
            }
            nodeCount += anchored.size
            guard nodeCount <= Self.maximumNodes else {
                throw YAMLSyntaxError(
                    message: "aliases expand to more than \(Self.maximumNodes) nodes; use fewer nested aliases",
                    mark: event.mark)
            }
            return anchored.node
        case .scalar(let text, let style):
            let raw = rawText(from: event.mark, to: event.endMark)
            node = YAMLNode(
                content: .scalar(YAMLScalar(text: text, style: style, tag: event.tag, raw: raw)),
                mark: event.mark, tag: event.tag)
        case .sequenceStart, .mappingStart:
            guard depth < Self.maximumDepth else {
                throw YAMLSyntaxError(
                    message: "collections nest deeper than \(Self.maximumDepth) levels; flatten the structure",
                    mark: event.mark)
            }
            depth += 1
            defer { depth -= 1 }
            node = try parseCollection(event, &events, diagnostics: &diagnostics)
        default:
            throw YAMLSyntaxError(message: "unexpected YAML event", mark: event.mark)
        }
        if let anchor = event.anchor { anchors[anchor] = (node, nodeCount - countBefore) }
        return node
    }

    private mutating func parseCollection(
        _ event: YAMLEvent,
        _ events: inout YAMLEventReader,
        diagnostics: inout DiagnosticCollector
    ) throws(YAMLSyntaxError) -> YAMLNode {
        if case .sequenceStart = event.kind {
            var items: [YAMLNode] = []
            while true {
                let next = try events.next(bytes: bytes)
                if case .sequenceEnd = next.kind { break }
                items.append(try parseNode(next, &events, diagnostics: &diagnostics))
            }
            return YAMLNode(content: .sequence(items), mark: event.mark, tag: event.tag)
        }
        var builder = YAMLMappingBuilder()
        while true {
            let next = try events.next(bytes: bytes)
            if case .mappingEnd = next.kind { break }
            let key = try parseNode(next, &events, diagnostics: &diagnostics)
            let value = try parseNode(try events.next(bytes: bytes), &events, diagnostics: &diagnostics)
            builder.add(YAMLPair(key: key, value: value), diagnostics: &diagnostics)
        }
        return YAMLNode(content: .mapping(builder.finish()), mark: event.mark, tag: event.tag)
    }

    /// A hint for the syntax errors people make most: values starting with a character YAML reserves.
    private func hint(at mark: YAMLMark) -> String {
        let line = Self.scalars(ofLine: mark.line, in: bytes, starts: lineStarts)
        guard mark.column - 1 < line.count else { return "" }
        let char = line[mark.column - 1]
        guard char == "@" || char == "`" else { return "" }
        return "; a value that starts with \(char) must be quoted, e.g. schedule: \"@daily\""
    }

    /// The source text between two marks when both are on one line.
    private mutating func rawText(from start: YAMLMark, to end: YAMLMark) -> String? {
        guard start.line == end.line, start.line - 1 < lineStarts.count else { return nil }
        if decodedLine.number != start.line {
            decodedLine = (start.line, Self.isPlainASCII(line: start.line, in: bytes, starts: lineStarts)
                ? nil : Self.scalars(ofLine: start.line, in: bytes, starts: lineStarts))
        }
        let from = start.column - 1
        guard let line = decodedLine.scalars else {
            // ASCII: columns are byte offsets, and the text is copied straight from the bytes.
            let lineStart = lineStarts[start.line - 1]
            let lineEnd = start.line < lineStarts.count ? lineStarts[start.line] - 1 : bytes.count
            let to = min(end.column - 1, lineEnd - lineStart)
            guard from >= 0, from <= to else { return nil }
            return String(decoding: bytes[(lineStart + from)..<(lineStart + to)], as: UTF8.self)
        }
        let to = min(end.column - 1, line.count)
        guard from >= 0, from <= to else { return nil }
        var text = ""
        text.unicodeScalars.append(contentsOf: line[from..<to])
        return text
    }

    /// True when line `number` (1-based) is ASCII without a carriage return: its columns are its byte offsets.
    private static func isPlainASCII(line number: Int, in bytes: [UInt8], starts: [Int]) -> Bool {
        guard number >= 1, number <= starts.count else { return false }
        let start = starts[number - 1]
        let end = number < starts.count ? starts[number] - 1 : bytes.count
        guard start <= end else { return false }
        return bytes[start..<end].allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "\r") }
    }

    /// Line `number` (1-based) as Unicode scalars, without its line break; empty past the end.
    private static func scalars(ofLine number: Int, in bytes: [UInt8], starts: [Int]) -> [Unicode.Scalar] {
        guard number >= 1, number <= starts.count else { return [] }
        let start = starts[number - 1]
        let end = number < starts.count ? starts[number] - 1 : bytes.count
        guard start < end else { return [] }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(end - start)
        var decoder = UTF8()
        var iterator = bytes[start..<end].makeIterator()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar != "\r" { scalars.append(scalar) }
            case .emptyInput, .error:
                break decoding
            }
        }
        return scalars
    }
}
