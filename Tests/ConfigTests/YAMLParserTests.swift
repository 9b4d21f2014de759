@testable import Config
import Testing

/// The libyaml layer: node tree, positions, core-schema typing, duplicates, aliases and syntax errors.
struct YAMLParserTests {
    private func parse(_ text: String) -> (YAMLNode?, [ConfigDiagnostic]) {
        var diagnostics = DiagnosticCollector(file: "t.yaml")
        var parser = YAMLParser(text: text)
        let root = parser.parse(into: &diagnostics)
        return (root, diagnostics.sorted)
    }

    @Test(arguments: [
        ("~", YAMLValue.null), ("null", .null), ("", .null), ("true", .bool(true)), ("False", .bool(false)),
        ("42", .int(42)), ("-7", .int(-7)), ("+3", .int(3)), ("0x1F", .int(31)), ("0o17", .int(15)),
        ("1.5", .float(1.5)), ("-.5", .float(-0.5)), ("1e3", .float(1000)), (".inf", .float(.infinity)),
        ("yes", .string("yes")), ("on", .string("on")), ("0x", .string("0x")), ("1.2.3", .string("1.2.3")),
        ("30s", .string("30s")),
        // Read byte by byte: words that start like numbers, signs alone, non-ASCII digits.
        ("t000001", .string("t000001")), ("-", .string("-")), ("+", .string("+")), ("1.", .float(1)),
        ("+.5", .float(0.5)), ("-1e-3", .float(-0.001)), ("1e", .string("1e")), ("1_000", .string("1_000")),
        ("12abc", .string("12abc")), ("\u{FF11}", .string("\u{FF11}")), ("0o", .string("0o")), ("-0x1", .string("-0x1")),
        ("nullx", .string("nullx")), ("TRUE", .bool(true)), ("-.INF", .float(-.infinity)),
    ])
    func plainScalarsResolveByTheCoreSchema(text: String, expected: YAMLValue) {
        #expect(YAMLValue.resolve(plain: text) == expected)
    }

    @Test func quotedAndTaggedScalarsAreAlwaysStrings() throws {
        let (root, diagnostics) = parse("a: '42'\nb: \"true\"\nc: !!str 7\nd: |\n  5\n")
        #expect(diagnostics.isEmpty)
        let values = try #require(root?.pairs).map { $0.value.scalar?.value }
        #expect(values == [.string("42"), .string("true"), .string("7"), .string("5\n")])
    }

    @Test func nodesAndKeysCarryOneBasedLineAndColumn() throws {
        let (root, _) = parse("top:\n  - name: x\n    plugin: 'y'\n")
        let task = try #require(root?.pairs?.first?.value.items?.first)
        #expect(task.mark == YAMLMark(line: 2, column: 5))
        let plugin = try #require(task.pairs?.last)
        #expect(plugin.key.mark == YAMLMark(line: 3, column: 5))
        #expect(plugin.value.mark == YAMLMark(line: 3, column: 13))
    }

    @Test func duplicateKeysInOneMappingAreReportedAtTheSecondKey() {
        let (_, diagnostics) = parse("a: 1\nb: 2\na: 3\n")
        #expect(diagnostics.map(\.description) == [
            "t.yaml:3:1: error: duplicate key \"a\" (first set on line 1); remove one of them",
        ])
    }

    /// Past 16 keys a mapping looks keys up in a table: duplicates are still found, merges still fill in.
    @Test func duplicateKeysAreFoundInLargeMappingsAndMergesKeepTheirPlace() throws {
        let keys = (1...20).map { "k\($0): \($0)" }
        let (root, diagnostics) = parse(
            "base: &b {k3: merged, m1: 1, m2: 2}\nbig:\n  " + keys.joined(separator: "\n  ")
                + "\n  k3: again\n  <<: *b\n  k20: again\n  z: last\n")
        #expect(diagnostics.map(\.description) == [
            "t.yaml:23:3: error: duplicate key \"k3\" (first set on line 5); remove one of them",
            "t.yaml:25:3: error: duplicate key \"k20\" (first set on line 22); remove one of them",
        ])
        let big = try #require(root?.pairs?[1].value.pairs)
        #expect(big.compactMap(\.keyText) == (1...20).map { "k\($0)" } + ["m1", "m2", "z"])
        #expect(big[2].value.scalar?.value == .int(3))
    }

    /// The source text each one-line scalar keeps (for columns inside values): copied from the bytes on ASCII
    /// lines, decoded on others, without the line break.
    @Test func scalarsKeepTheirSourceTextOnASCIIAndOtherLines() throws {
        let (root, diagnostics) = parse("a: \"x\\ty\"\r\nb: ['é', \"p\\tq\"]\nc: plain\nd: |\n  block\n")
        #expect(diagnostics.isEmpty)
        let pairs = try #require(root?.pairs)
        #expect(pairs[0].value.scalar?.raw == "\"x\\ty\"")
        let items = try #require(pairs[1].value.items)
        #expect(items.map { $0.scalar?.raw } == ["'é'", "\"p\\tq\""])
        #expect(items[1].scalar?.sourceOffset(forTextOffset: 2) == 4)
        #expect(pairs[2].value.scalar?.raw == "plain")
        #expect(pairs[3].value.scalar?.raw == nil)
        #expect(pairs.map { $0.key.scalar?.raw } == ["a", "b", "c", "d"])
    }

    @Test func aliasesCopyTheAnchoredNodeAndMergeKeysAddMissingKeys() throws {
        let (root, diagnostics) = parse("base: &b {x: 1, y: 2}\nuse:\n  y: 3\n  <<: *b\n  z: *b\n")
        #expect(diagnostics.isEmpty)
        let use = try #require(root?.pairs?[1].value.pairs)
        #expect(use.compactMap(\.keyText) == ["y", "x", "z"])
        #expect(use[0].value.scalar?.value == .int(3))
        #expect(use[2].value.pairs?.count == 2)
    }

    @Test func syntaxErrorsCarryLibyamlPositionAndProblem() throws {
        let (root, diagnostics) = parse("a: 1\nb: [1, 2\nc: 3\n")
        #expect(root == nil)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(diagnostic.location == SourceLocation(file: "t.yaml", line: 3, column: 2))
        #expect(diagnostic.message.hasPrefix("YAML syntax error: did not find expected ',' or ']'"))
    }

    @Test func badIndentationIsASyntaxErrorAtItsLine() throws {
        let (_, diagnostics) = parse("tasks:\n  - name: a\n   plugin: b\n")
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.location.line == 3)
        #expect(diagnostic.message.contains("YAML syntax error"))
    }

    @Test func unknownAliasIsAnError() {
        let (root, diagnostics) = parse("a: *nope\n")
        #expect(root == nil)
        #expect(diagnostics.first?.message.contains("nope") == true)
    }

    @Test func quotedScalarOffsetsMapToSourceColumnsAcrossEscapes() throws {
        let (root, _) = parse(#"a: "x\ty\u00e9z"  # c"# + "\nb: 'it''s x'\nc: plain text\n")
        let scalars = try #require(root?.pairs).map { try #require($0.value.scalar) }
        // "x\ty\u00e9z": text offsets 0..4 are x, tab, y, é, z.
        #expect(scalars[0].sourceOffset(forTextOffset: 4) == 11)
        #expect(scalars[1].sourceOffset(forTextOffset: 5) == 7)
        #expect(scalars[2].sourceOffset(forTextOffset: 6) == 6)
    }

    @Test func anAliasBombIsRefusedInsteadOfExpanded() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...7 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [" + Array(repeating: previous, count: 10).joined(separator: ", ") + "]\n"
        }
        let (root, diagnostics) = parse(text)
        #expect(root == nil)
        #expect(diagnostics.first?.message.hasPrefix("aliases expand to more than 1000000 nodes") == true)
    }

    @Test func nestingDeeperThanTheLimitIsRefused() {
        let depth = YAMLParser.maximumDepth + 1
        let (root, diagnostics) = parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(root == nil)
        #expect(diagnostics.map(\.location.column) == [YAMLParser.maximumDepth + 1])
        #expect(diagnostics.first?.message.hasPrefix("collections nest deeper than") == true)
    }

    @Test func aMarkKeepsItsPositionInTwelveBytesAndClampsWhatCannotFit() {
        var mark = YAMLMark(line: 120_000, column: 37, document: 2)
        #expect(MemoryLayout<YAMLMark>.size == 12)
        #expect(mark.line == 120_000 && mark.column == 37 && mark.document == 2)
        mark.document = 0
        #expect(mark < YAMLMark(line: 120_000, column: 38) && mark.location(in: "f.yaml").description == "f.yaml:120000:37")
        #expect(YAMLMark(line: Int(Int32.max) + 10, column: -1).line == Int(Int32.max))
    }
}
