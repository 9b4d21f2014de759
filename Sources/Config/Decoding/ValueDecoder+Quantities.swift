extension ValueDecoder where Value == Double {
    /// A share written as a percentage: `5%`, `2.5%`, or a plain number of percent (`5`); decoded as 0...1.
    static var percentage: ValueDecoder<Double> {
        .typed("a percentage such as 5%") { node, context, diagnostics in
            guard let scalar = node.scalar else { return .wrongType }
            let percent: Double?
            switch scalar.value {
            case .int(let value): percent = Double(value)
            case .float(let value): percent = value
            case .string(let text) where text.hasSuffix("%"):
                percent = Double(text.dropLast().strippingSpaces())
            case .string: percent = nil
            default: return .wrongType
            }
            guard let percent, percent.isFinite, percent > 0, percent <= 100 else {
                diagnostics.error(
                    "invalid percentage \"\(scalar.text)\" for \(context.subject); write a number above 0 and up to "
                        + "100 followed by %, e.g. 5%", at: node.mark)
                return .invalid
            }
            return .value(percent / 100)
        }
    }
}

extension ValueDecoder where Value == Int64 {
    /// A size in bytes: a whole number of bytes, or a whole number with a unit (`KiB`, `MiB`, `GiB`, `TiB`, or
    /// `KB`, `MB`, `GB`, `TB` in powers of 1000), e.g. `512MiB`.
    static var byteSize: ValueDecoder<Int64> {
        .typed("a size such as 512MiB") { node, context, diagnostics in
            guard let scalar = node.scalar else { return .wrongType }
            if case .int(let value) = scalar.value, value > 0 { return .value(Int64(value)) }
            let units: [(String, Int64)] = [
                ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
                ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
            ]
            let text = scalar.text.strippingSpaces()
            for (suffix, factor) in units where text.hasSuffix(suffix) {
                let number = text.dropLast(suffix.count).strippingSpaces()
                if let amount = Int64(number), amount > 0 {
                    let (bytes, overflow) = amount.multipliedReportingOverflow(by: factor)
                    if !overflow { return .value(bytes) }
                }
                break
            }
            diagnostics.error(
                "invalid size \"\(scalar.text)\" for \(context.subject); write a whole number with a unit (KiB, MiB, "
                    + "GiB, TiB, KB, MB, GB, TB), e.g. 512MiB", at: node.mark)
            return .invalid
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    func strippingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
