#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A shell-style file name pattern (`*.log`, `backup-????.tar.gz`, `[0-9]*`), matched with `fnmatch(3)`.
///
/// A pattern without `/` is matched against a file's name; one with `/` against its path relative to the
/// directory being scanned, where `*` does not cross `/`. A leading `.` must be matched explicitly, as in the
/// shell, so `*` does not match `.hidden`.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String

    /// Creates a pattern.
    /// - Parameter text: the pattern.
    /// - Throws: a `PluginError` (`.config`, naming "pattern") when it is empty or has an unclosed `[`.
    public init(_ text: String) throws(PluginError) {
        guard !text.isEmpty else { throw PluginError.config(key: "pattern", "must not be empty") }
        var open = false
        for char in text {
            if char == "[" { open = true } else if char == "]" { open = false }
        }
        guard !open else { throw PluginError.config(key: "pattern", "\"\(text)\" has a [ without its ]") }
        self.text = text
    }

    /// Whether the pattern applies to the relative path rather than the file's name.
    public var matchesPaths: Bool { text.contains("/") }

    /// Whether a file matches.
    /// - Parameters:
    ///   - name: the file's name.
    ///   - relativePath: its path relative to the scanned directory.
    public func matches(name: String, relativePath: String) -> Bool {
        let subject = matchesPaths ? relativePath : name
        let flags: Int32 = matchesPaths ? FNM_PATHNAME | FNM_PERIOD : FNM_PERIOD
        return fnmatch(text, subject, flags) == 0
    }

    /// The pattern as written.
    public var description: String { text }
}
