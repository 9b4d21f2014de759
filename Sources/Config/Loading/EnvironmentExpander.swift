import Foundation

/// Expands `${VAR}` and `${VAR:-default}` inside scalar values, after parsing, so positions stay right.
///
/// `$${` writes a literal `${`. As in the shell, the default is used when the variable is unset or empty. Keys
/// are never expanded. An unset variable without a default, a bad name or a missing `}` is an error at the
/// position of its `$`.
struct EnvironmentExpander {
    /// The variables to expand from.
    let environment: [String: String]

    /// False when the file's `text` has no `$` and no backslash (a double-quoted escape such as `\x24` writes a
    /// `$`): then no scalar can hold `${`, and the walk over every node is skipped.
    static func mayExpand(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let start = bytes.baseAddress else { return false }
            return memchr(start, Int32(UInt8(ascii: "$")), bytes.count) != nil
                || memchr(start, Int32(UInt8(ascii: "\\")), bytes.count) != nil
        } ?? true
    }

    /// `node` with every scalar value expanded. Only the parts holding a `$` are copied: a file without any shares
    /// its whole tree with the result (a copy of a 100,000-task tree was tens of megabytes of the start-up peak).
    func expand(_ node: YAMLNode, diagnostics: inout DiagnosticCollector) -> YAMLNode {
        changed(node, diagnostics: &diagnostics) ?? node
    }

    /// The node with its scalars expanded, or nil when it has no `$` anywhere.
    private func changed(_ node: YAMLNode, diagnostics: inout DiagnosticCollector) -> YAMLNode? {
        switch node.content {
        case .scalar(let scalar):
            guard scalar.text.utf8.contains(UInt8(ascii: "$")) else { return nil }
            return node.replacingContent(.scalar(expand(scalar, at: node.mark, diagnostics: &diagnostics)))
        case .sequence(let items):
            var copy: [YAMLNode]?
            for (index, item) in items.enumerated() {
                guard let expanded = changed(item, diagnostics: &diagnostics) else { continue }
                if copy == nil { copy = items }
                copy![index] = expanded
            }
            return copy.map { node.replacingContent(.sequence($0)) }
        case .mapping(let pairs):
            var copy: [YAMLPair]?
            for (index, pair) in pairs.enumerated() {
                guard let expanded = changed(pair.value, diagnostics: &diagnostics) else { continue }
                if copy == nil { copy = pairs }
                copy![index].value = expanded
            }
            return copy.map { node.replacingContent(.mapping($0)) }
        }
    }

    private func expand(_ scalar: YAMLScalar, at mark: YAMLMark, diagnostics: inout DiagnosticCollector) -> YAMLScalar {
        let chars = Array(scalar.text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        var changed = false
        func position(_ offset: Int) -> YAMLMark {
            guard let column = scalar.sourceOffset(forTextOffset: offset) else { return mark }
            return YAMLMark(line: mark.line, column: mark.column + column, document: mark.document)
        }
        while index < chars.count {
            let rest = chars[index...]
            if rest.starts(with: ["$", "$", "{"]) {
                output.append(contentsOf: ["$", "{"])
                index += 3
                changed = true
            } else if rest.starts(with: ["$", "{"]) {
                guard let close = rest.firstIndex(of: "}") else {
                    diagnostics.error(
                        "unterminated ${ in a value; close it with } or write $${ for a literal ${",
                        at: position(index))
                    return failed(scalar)
                }
                let body = String(String.UnicodeScalarView(chars[(index + 2)..<close]))
                guard let value = substitute(body, at: position(index), diagnostics: &diagnostics) else {
                    return failed(scalar)
                }
                output.append(contentsOf: value.unicodeScalars)
                index = close + 1
                changed = true
            } else {
                output.append(chars[index])
                index += 1
            }
        }
        guard changed else { return scalar }
        var expanded = scalar
        expanded.text = String(output)
        expanded.wasExpanded = true
        return expanded
    }

    private func failed(_ scalar: YAMLScalar) -> YAMLScalar {
        var copy = scalar
        copy.expansionFailed = true
        return copy
    }

    /// The value for one `${...}` body (`NAME` or `NAME:-default`), or nil after recording an error.
    private func substitute(_ body: String, at mark: YAMLMark, diagnostics: inout DiagnosticCollector) -> String? {
        let name: String
        let fallback: String?
        if let separator = body.firstRange(of: ":-") {
            name = String(body[..<separator.lowerBound])
            fallback = String(body[separator.upperBound...])
        } else {
            name = body
            fallback = nil
        }
        guard Self.isValidName(name) else {
            diagnostics.error(
                "invalid environment variable name \"\(name)\" in ${\(body)}; use letters, digits and _ "
                    + "(not starting with a digit), or write $${ for a literal ${", at: mark)
            return nil
        }
        if let value = environment[name], !(value.isEmpty && fallback != nil) { return value }
        if let fallback { return fallback }
        diagnostics.error(
            "environment variable \"\(name)\" is not set; set it, or give a default with ${\(name):-default}",
            at: mark)
        return nil
    }

    private static func isValidName(_ name: String) -> Bool {
        func isLetter(_ char: Unicode.Scalar) -> Bool {
            char == "_" || ("a"..."z").contains(char) || ("A"..."Z").contains(char)
        }
        guard let first = name.unicodeScalars.first, isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }
}
