extension YAMLScalar {
    /// Maps an offset in the scalar's text (in Unicode scalars) to an offset from the scalar's first source
    /// column, so errors inside a value (a cron token, a `${VAR}`) point at the right column.
    ///
    /// Plain scalars map one to one; quoted scalars skip the opening quote and count escapes (`''`, `\n`,
    /// `\x41`, `\u00e9`) by their written width. Multi-line and block scalars, and text changed by `${VAR}`
    /// expansion, are not mapped.
    /// - Returns: the column offset, or nil when the position cannot be mapped (callers fall back to the
    ///   scalar's start).
    func sourceOffset(forTextOffset offset: Int) -> Int? {
        guard let rawText = raw, !wasExpanded, offset >= 0 else { return nil }
        let raw = Array(rawText.unicodeScalars)
        switch style {
        case .plain:
            return offset <= raw.count ? offset : nil
        case .singleQuoted:
            return walk(raw: raw, offset: offset) { raw, index in
                raw[index] == "'" && index + 1 < raw.count && raw[index + 1] == "'" ? 2 : 1
            }
        case .doubleQuoted:
            return walk(raw: raw, offset: offset) { raw, index in
                guard raw[index] == "\\", index + 1 < raw.count else { return 1 }
                switch raw[index + 1] {
                case "x": return 4
                case "u": return 6
                case "U": return 10
                default: return 2
                }
            }
        case .literal, .folded:
            return nil
        }
    }

    /// Walks a quoted scalar's source after its opening quote, one text character at a time.
    private func walk(
        raw: [Unicode.Scalar],
        offset: Int,
        width: ([Unicode.Scalar], Int) -> Int
    ) -> Int? {
        var index = 1
        var remaining = offset
        while remaining > 0 {
            guard index < raw.count else { return nil }
            index += width(raw, index)
            remaining -= 1
        }
        return index
    }
}
