/// The rule for task names.
enum TaskNameRule {
    /// The longest name allowed.
    static let maximumLength = 64
    /// What a valid name looks like, appended to name errors.
    static let help =
        "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. nightly-backup"

    /// Whether `name` matches `[A-Za-z0-9][A-Za-z0-9._-]*` and is at most 64 characters long.
    static func isValid(_ name: String) -> Bool {
        func isAlphanumeric(_ char: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(char) || ("A"..."Z").contains(char) || ("0"..."9").contains(char)
        }
        let chars = name.unicodeScalars
        guard let first = chars.first, isAlphanumeric(first), chars.count <= maximumLength else { return false }
        return chars.allSatisfy { isAlphanumeric($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }
}
