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

extension StringProtocol {
    /// The text without leading and trailing spaces.
    func strippingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
