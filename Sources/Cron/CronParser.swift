/// Turns expression text into `CronFields`, reporting the first error with its field, token and column.
///
/// Columns count `Character`s of the original text, so the caret line of `CronError.render` lines up.
struct CronParser {
    /// What a successful parse yields.
    struct Result: Sendable, Hashable {
        /// The matcher's bit sets.
        var fields = CronFields()
        /// `@reboot`.
        var isReboot = false
        /// Minute and hour both not starting with `*`.
        var isFixedTime = false
        /// The texts of all seven fields (defaults filled in: `0` seconds, `*` year), for the explainer.
        var texts: [String] = []
        /// How many fields were written (0 for `@reboot`).
        var fieldCount = 0
    }

    /// A half-open range of characters in the source.
    struct Span {
        /// The first character.
        var start: Int
        /// One past the last character.
        var end: Int
        /// True when the span holds no character.
        var isEmpty: Bool { start >= end }
    }

    /// The expression text, one element per column.
    let chars: [Character]
    /// What `H` hashes: the task name.
    let seed: String

    /// The nicknames and what they stand for (`@reboot` is handled apart).
    static let nicknames: [(String, String)] = [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@hourly", "0 * * * *"),
    ]

    /// Parses `text`; `seed` is what `H` hashes.
    static func parse(_ text: String, seed: String) throws(CronError) -> Result {
        try CronParser(chars: Array(text), seed: seed).parse()
    }

    private func parse() throws(CronError) -> Result {
        let spans = splitFields()
        guard let first = spans.first else {
            throw CronError(field: nil, token: "", column: 0, message: "empty cron expression")
        }
        if chars[first.start] == "@" {
            return try parseNickname(spans)
        }
        let kinds: [CronField]
        switch spans.count {
        case 5: kinds = [.minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        case 6: kinds = [.second, .minute, .hour, .dayOfMonth, .month, .dayOfWeek]
        case 7: kinds = CronField.allCases
        default:
            let whole = Span(start: first.start, end: spans[spans.count - 1].end)
            throw CronError(
                field: nil, token: text(whole), column: first.start,
                message: "expected 5, 6 or 7 fields (found \(spans.count)): "
                    + "minute hour day-of-month month day-of-week, optionally seconds first and year last")
        }
        var result = Result()
        result.fieldCount = spans.count
        // Seconds default to {0} and years to all; a written field replaces the default.
        if spans.count >= 6 { result.fields.seconds = 0 }
        if spans.count == 7 { result.fields.years = YearSet() }
        var texts = ["0", "", "", "", "", "", "*"]
        for (kind, span) in zip(kinds, spans) {
            texts[kind.rawValue] = text(span)
            try parseField(kind, span, into: &result.fields)
        }
        result.texts = texts
        result.isFixedTime = !texts[CronField.minute.rawValue].hasPrefix("*")
            && !texts[CronField.hour.rawValue].hasPrefix("*")
        return result
    }

    private func parseNickname(_ spans: [Span]) throws(CronError) -> Result {
        let name = text(spans[0])
        if spans.count > 1 {
            let rest = Span(start: spans[1].start, end: spans[spans.count - 1].end)
            throw CronError(
                field: nil, token: text(rest), column: rest.start,
                message: "unexpected \"\(text(rest))\" after the nickname \(name) (a nickname stands alone)")
        }
        if name == "@reboot" {
            var result = Result()
            result.isReboot = true
            result.texts = ["", "", "", "", "", "", ""]
            return result
        }
        guard let expansion = CronParser.nicknames.first(where: { $0.0 == name })?.1 else {
            let known = CronParser.nicknames.map(\.0).joined(separator: ", ") + ", @reboot"
            throw CronError(
                field: nil, token: name, column: spans[0].start,
                message: "unknown nickname \"\(name)\" (expected one of \(known); nicknames are lower-case)")
        }
        return try CronParser(chars: Array(expansion), seed: seed).parse()
    }

    private func splitFields() -> [Span] {
        var spans: [Span] = []
        var index = 0
        while index < chars.count {
            while index < chars.count, chars[index].isWhitespace { index += 1 }
            let start = index
            while index < chars.count, !chars[index].isWhitespace { index += 1 }
            if index > start { spans.append(Span(start: start, end: index)) }
        }
        return spans
    }

    /// The source text of `span`.
    func text(_ span: Span) -> String {
        String(chars[span.start..<span.end])
    }

    /// The first index of `character` in `span`, or nil.
    func firstIndex(of character: Character, in span: Span) -> Int? {
        var index = span.start
        while index < span.end {
            if chars[index] == character { return index }
            index += 1
        }
        return nil
    }

    /// An error about `span` in `field`.
    func error(_ field: CronField, _ span: Span, _ message: String) -> CronError {
        CronError(field: field.name, token: text(span), column: span.start, message: message)
    }

    /// The standard "invalid value" error: `invalid day-of-week "8" (expected 0-7 or SUN-SAT)`.
    func invalidValue(_ field: CronField, _ span: Span) -> CronError {
        var hint = ""
        let token = text(span)
        if field == .dayOfMonth || field == .dayOfWeek, token.contains(where: { $0 == "l" || $0 == "w" }),
            token.first?.isNumber == true || token.first == "l"
        {
            hint = "; L and W are upper-case"
        }
        return error(field, span, "invalid \(field.name) \"\(token)\" (expected \(field.expected)\(hint))")
    }
}
