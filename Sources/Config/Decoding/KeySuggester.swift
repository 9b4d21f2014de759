/// Finds the closest known name to a misspelt one ("did you mean ...?"), by edit distance.
enum KeySuggester {
    /// The closest of `candidates` to `name` when it is close enough to be a likely typo, else nil.
    ///
    /// Close enough: at most one edit for short names, up to a third of the name's length (at most three)
    /// for longer ones. Ties go to the earlier candidate.
    static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let allowed = max(1, min(3, name.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if distance <= allowed, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// Edit distance (insertions, deletions, substitutions, and swaps of two neighbouring characters, the
    /// commonest typo) between two strings, by character: the optimal string alignment distance.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs)
        let right = Array(rhs)
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var beforePrevious = [Int](repeating: 0, count: right.count + 1)
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            current[0] = i
            for j in 1...right.count {
                let substitution = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
                if i > 1, j > 1, left[i - 1] == right[j - 2], left[i - 2] == right[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[right.count]
    }
}
