/// Resolves configuration paths lexically: relative paths against the configuration file's folder.
enum PathResolver {
    /// `path` made absolute against `base` (an absolute folder), with `.` and `..` components removed.
    static func absolute(_ path: String, base: String) -> String {
        normalized(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// The folder holding `file` (an absolute path), or `/` for a file at the root.
    static func folder(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        let folder = String(file[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    /// `path` without empty, `.` and `..` components (`..` at the root stays at the root).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
