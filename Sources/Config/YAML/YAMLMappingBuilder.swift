/// Collects one mapping's pairs: reports duplicate keys and applies merge keys (`<<: *base`).
///
/// Keys set in the mapping itself win over merged ones wherever they appear; merged keys take the place of
/// the `<<` entry, so file order is kept for everything else.
struct YAMLMappingBuilder {
    private enum Entry {
        case pair(YAMLPair)
        case merge([YAMLPair])
    }

    private var entries: [Entry] = []
    /// Explicit keys seen so far, with where each first appeared.
    private var seen: [String: YAMLMark] = [:]

    /// Adds one pair, reporting a duplicate key or a malformed merge.
    mutating func add(_ pair: YAMLPair, diagnostics: inout DiagnosticCollector) {
        if let key = pair.key.scalar, key.style == .plain, key.text == "<<", pair.key.tag == nil {
            entries.append(.merge(mergedPairs(pair.value, diagnostics: &diagnostics)))
            return
        }
        if let text = pair.keyText {
            if let first = seen[text] {
                diagnostics.error(
                    "duplicate key \"\(text)\" (first set on line \(first.line)); remove one of them",
                    at: pair.key.mark)
                return
            }
            seen[text] = pair.key.mark
        }
        entries.append(.pair(pair))
    }

    /// The pairs in order, merges applied.
    func finish() -> [YAMLPair] {
        var result: [YAMLPair] = []
        var present = Set(seen.keys)
        for entry in entries {
            switch entry {
            case .pair(let pair):
                result.append(pair)
            case .merge(let pairs):
                for pair in pairs {
                    guard let text = pair.keyText else { continue }
                    if present.insert(text).inserted { result.append(pair) }
                }
            }
        }
        return result
    }

    /// The pairs a merge value brings: one mapping, or a sequence of mappings where earlier ones win.
    private func mergedPairs(_ value: YAMLNode, diagnostics: inout DiagnosticCollector) -> [YAMLPair] {
        if let pairs = value.pairs { return pairs }
        guard let items = value.items else {
            diagnostics.error(
                "a merge key (<<) needs a mapping or a list of mappings, found \(value.kindDescription); "
                    + "write e.g. <<: *defaults", at: value.mark)
            return []
        }
        var result: [YAMLPair] = []
        var keys = Set<String>()
        for item in items {
            guard let pairs = item.pairs else {
                diagnostics.error(
                    "a merge key (<<) list may hold only mappings, found \(item.kindDescription)", at: item.mark)
                continue
            }
            for pair in pairs where pair.keyText.map({ keys.insert($0).inserted }) ?? false {
                result.append(pair)
            }
        }
        return result
    }
}
