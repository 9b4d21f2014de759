/// Collects one mapping's pairs: reports duplicate keys and applies merge keys (`<<: *base`).
///
/// Keys set in the mapping itself win over merged ones wherever they appear; merged keys take the place of
/// the `<<` entry, so file order is kept for everything else.
struct YAMLMappingBuilder {
    /// The explicit pairs, in file order.
    private var pairs: [YAMLPair] = []
    /// Each merge's pairs, with how many explicit pairs come before it.
    private var merges: [(position: Int, pairs: [YAMLPair])] = []
    /// The explicit pairs' positions by key text, built once a mapping has more than `linearLimit` pairs (a task
    /// mapping has a handful of keys: searching them costs less than hashing each, a profile of 100,000 tasks
    /// showed).
    private var index: [String: Int] = [:]
    private static let linearLimit = 16

    /// Adds one pair, reporting a duplicate key or a malformed merge.
    mutating func add(_ pair: YAMLPair, diagnostics: inout DiagnosticCollector) {
        if let key = pair.key.scalar, key.style == .plain, key.text == "<<", pair.key.tag == nil {
            merges.append((pairs.count, mergedPairs(pair.value, diagnostics: &diagnostics)))
            return
        }
        if let text = pair.keyText {
            if let first = firstMark(of: text) {
                diagnostics.error(
                    "duplicate key \"\(text)\" (first set on line \(first.line)); remove one of them",
                    at: pair.key.mark)
                return
            }
            if pairs.count >= Self.linearLimit {
                if index.isEmpty {
                    for (position, earlier) in pairs.enumerated() {
                        if let text = earlier.keyText { index[text] = position }
                    }
                }
                index[text] = pairs.count
            }
        }
        pairs.append(pair)
    }

    /// Where explicit key `text` was first set, if it was.
    private func firstMark(of text: String) -> YAMLMark? {
        if !index.isEmpty { return index[text].map { pairs[$0].key.mark } }
        return pairs.first { $0.keyText == text }?.key.mark
    }

    /// The pairs in order, merges applied.
    func finish() -> [YAMLPair] {
        guard !merges.isEmpty else { return pairs }
        var result: [YAMLPair] = []
        var present = Set(pairs.compactMap(\.keyText))
        var next = 0
        for merge in merges {
            result += pairs[next..<merge.position]
            next = merge.position
            for pair in merge.pairs {
                guard let text = pair.keyText else { continue }
                if present.insert(text).inserted { result.append(pair) }
            }
        }
        result += pairs[next...]
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
