@preconcurrency import Glibc

/// Writing to the terminal.
enum Console {
    /// Writes a line to standard error.
    static func error(_ line: String) {
        fputs(line + "\n", stderr)
    }

    /// Writes a line to standard output.
    static func out(_ line: String) {
        fputs(line + "\n", stdout)
    }

    /// Formats rows as left-aligned columns separated by two spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
