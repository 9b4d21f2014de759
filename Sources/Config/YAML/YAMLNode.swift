/// A 1-based position in the configuration text, as editors show it.
///
/// Stored in 32-bit fields: every node, key and decoded value of a load carries one (a 100,000-task file has about a
/// million), so its size shows in the start-up peak.
struct YAMLMark: Sendable, Hashable, Comparable {
    private var storedLine: Int32
    private var storedColumn: Int32
    private var storedDocument: Int32

    /// 1-based line.
    var line: Int {
        get { Int(storedLine) }
        set { storedLine = Int32(clamping: newValue) }
    }
    /// 1-based column, counted in Unicode scalars (as libyaml counts them).
    var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = Int32(clamping: newValue) }
    }
    /// Which document of a load the mark is in: 0 for the configuration file, 1... for runtime tasks (see
    /// `DiagnosticCollector.documents`).
    var document: Int {
        get { Int(storedDocument) }
        set { storedDocument = Int32(clamping: newValue) }
    }

    /// A mark; positions beyond 32 bits (a line of over two billion) are clamped.
    init(line: Int, column: Int, document: Int = 0) {
        storedLine = Int32(clamping: line)
        storedColumn = Int32(clamping: column)
        storedDocument = Int32(clamping: document)
    }

    /// Earlier in the file first.
    static func < (lhs: YAMLMark, rhs: YAMLMark) -> Bool {
        (lhs.document, lhs.line, lhs.column) < (rhs.document, rhs.line, rhs.column)
    }

    /// The location of this mark in `file`.
    func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }
}

/// One node of a parsed YAML document, with where it starts.
struct YAMLNode: Sendable, Hashable {
    /// What the node holds.
    enum Content: Sendable, Hashable {
        /// A scalar value.
        case scalar(YAMLScalar)
        /// A sequence of nodes in file order.
        case sequence([YAMLNode])
        /// Key/value pairs in file order (merge keys already applied, duplicates already reported).
        case mapping([YAMLPair])
    }

    /// The node's content.
    var content: Content
    /// Where the node starts.
    var mark: YAMLMark
    /// The explicit tag (`tag:yaml.org,2002:str` for `!!str`), or nil when implicit.
    var tag: String?

    /// The scalar, when the node is one.
    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The pairs, when the node is a mapping.
    var pairs: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The items, when the node is a sequence.
    var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// True for a null scalar (`~`, `null`, or nothing at all).
    var isNull: Bool {
        // No null word is longer than 4 bytes: longer text is not typed at all (this is asked of every value).
        guard case .scalar(let scalar) = content, scalar.text.utf8.count <= 4 else { return false }
        if case .null = scalar.value { return true }
        return false
    }

    /// What the node is, for "expected X, found Y" messages: `a mapping`, `an integer (5)`.
    var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return "nothing (null)"
            case .bool(let value): return "a boolean (\(value))"
            case .int: return "an integer (\(scalar.text))"
            case .float: return "a number (\(scalar.text))"
            case .string(let text): return "a string (\"\(text)\")"
            }
        }
    }

    /// A copy of the whole tree with every mark moved to `document`.
    func moved(toDocument document: Int) -> YAMLNode {
        var copy = self
        copy.mark.document = document
        switch content {
        case .scalar: break
        case .sequence(let items): copy.content = .sequence(items.map { $0.moved(toDocument: document) })
        case .mapping(let pairs):
            copy.content = .mapping(pairs.map {
                YAMLPair(key: $0.key.moved(toDocument: document), value: $0.value.moved(toDocument: document))
            })
        }
        return copy
    }

    /// JSON pointers (RFC 6901) of every node in the tree, by mark: a key and its value both map to the member's
    /// pointer (`/retry/attempts`), the root to "".
    func jsonPointers() -> [YAMLMark: String] {
        var pointers: [YAMLMark: String] = [:]
        func visit(_ node: YAMLNode, _ pointer: String) {
            if pointers[node.mark] == nil { pointers[node.mark] = pointer }
            switch node.content {
            case .scalar: break
            case .sequence(let items):
                for (index, item) in items.enumerated() { visit(item, pointer + "/\(index)") }
            case .mapping(let pairs):
                for pair in pairs {
                    let token = (pair.keyText ?? "?").replacingOccurrences(of: "~", with: "~0")
                        .replacingOccurrences(of: "/", with: "~1")
                    pointers[pair.key.mark] = pointer + "/" + token
                    visit(pair.value, pointer + "/" + token)
                }
            }
        }
        visit(self, "")
        return pointers
    }

    /// A copy of the node with other content (same position and tag).
    func replacingContent(_ content: Content) -> YAMLNode {
        var copy = self
        copy.content = content
        return copy
    }
}

/// One key/value pair of a mapping.
struct YAMLPair: Sendable, Hashable {
    /// The key node (a scalar in every valid housekeeper file).
    var key: YAMLNode
    /// The value node.
    var value: YAMLNode

    /// The key's text, or nil when the key is not a scalar.
    var keyText: String? { key.scalar?.text }
}
