import CYAML

/// One libyaml event, copied out of C memory.
struct YAMLEvent {
    /// What happened.
    enum Kind {
        /// Stream and document boundaries.
        case streamStart, streamEnd, documentStart, documentEnd
        /// `*anchor`.
        case alias(String)
        /// A scalar's unescaped text and style.
        case scalar(String, YAMLScalar.Style)
        /// Collection boundaries.
        case sequenceStart, sequenceEnd, mappingStart, mappingEnd
    }

    /// What happened.
    var kind: Kind
    /// Where the event's node starts.
    var mark: YAMLMark
    /// Where it ends.
    var endMark: YAMLMark
    /// The `&anchor` on the node, if any.
    var anchor: String?
    /// The explicit tag on the node, if any.
    var tag: String?
}

/// A libyaml syntax error: its position and problem text.
struct YAMLSyntaxError: Error {
    /// What is wrong and what to do.
    var message: String
    /// Where libyaml found the problem.
    var mark: YAMLMark
}

/// Pulls events from an initialized libyaml parser and copies them into Swift values.
struct YAMLEventReader {
    /// The parser, owned by the caller, which must keep it (and its input) alive while reading.
    let parser: UnsafeMutablePointer<yaml_parser_t>

    /// The next event.
    /// - Parameter bytes: the parser's input, to place reader errors that carry only a byte offset.
    /// - Throws: `YAMLSyntaxError` with libyaml's problem and position.
    mutating func next(bytes: [UInt8]) throws(YAMLSyntaxError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError(bytes: bytes) }
        defer { yaml_event_delete(&event) }
        let kind: YAMLEvent.Kind
        var anchor: String?
        var tag: String?
        switch event.type {
        case YAML_STREAM_START_EVENT: kind = .streamStart
        case YAML_STREAM_END_EVENT: kind = .streamEnd
        case YAML_DOCUMENT_START_EVENT: kind = .documentStart
        case YAML_DOCUMENT_END_EVENT: kind = .documentEnd
        case YAML_ALIAS_EVENT: kind = .alias(Self.string(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = scalar.value.map { pointer in
                String(decoding: UnsafeBufferPointer(start: pointer, count: scalar.length), as: UTF8.self)
            } ?? ""
            kind = .scalar(text, Self.style(scalar.style))
            anchor = Self.string(scalar.anchor)
            tag = Self.string(scalar.tag)
        case YAML_SEQUENCE_START_EVENT:
            kind = .sequenceStart
            anchor = Self.string(event.data.sequence_start.anchor)
            tag = Self.string(event.data.sequence_start.tag)
        case YAML_SEQUENCE_END_EVENT: kind = .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            kind = .mappingStart
            anchor = Self.string(event.data.mapping_start.anchor)
            tag = Self.string(event.data.mapping_start.tag)
        default: kind = .mappingEnd
        }
        return YAMLEvent(
            kind: kind, mark: Self.mark(event.start_mark), endMark: Self.mark(event.end_mark),
            anchor: anchor, tag: tag)
    }

    private func syntaxError(bytes: [UInt8]) -> YAMLSyntaxError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "invalid YAML"
        var message = "YAML syntax error: \(problem)"
        if let context = state.context.map({ String(cString: $0) }) {
            let contextMark = Self.mark(state.context_mark)
            message += " (\(context) at line \(contextMark.line), column \(contextMark.column))"
        }
        var mark = Self.mark(state.problem_mark)
        if state.context.map({ String(cString: $0) }) == "while scanning an alias" {
            // The usual cause: an unquoted cron expression (`schedule: * * * * *`).
            message += "; a value that starts with * must be quoted, e.g. schedule: \"* * * * *\""
        } else if state.error == YAML_READER_ERROR {
            // Reader errors (bad encoding) carry only a byte offset.
            mark = Self.mark(byteOffset: state.problem_offset, in: bytes)
            message += "; save the file as UTF-8"
        } else {
            message += "; check the indentation, colons and quotes around here"
        }
        return YAMLSyntaxError(message: message, mark: mark)
    }

    private static func mark(_ mark: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func mark(byteOffset: Int, in bytes: [UInt8]) -> YAMLMark {
        let prefix = bytes.prefix(byteOffset)
        let line = prefix.count { $0 == UInt8(ascii: "\n") } + 1
        let lineStart = prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<prefix.endIndex], as: UTF8.self).unicodeScalars.count + 1
        return YAMLMark(line: line, column: column)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }
}
