/// A set of years 1970–2199 as a 256-bit mask (bit `year - 1970`).
struct YearSet: Sendable, Hashable {
    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0
    private var w3: UInt64 = 0

    /// Every year 1970–2199.
    static var all: YearSet {
        var set = YearSet()
        for year in CronField.firstYear...CronField.lastYear { set.insert(year) }
        return set
    }

    /// Adds `year` (ignored outside 1970–2199).
    mutating func insert(_ year: Int) {
        let bit = year - CronField.firstYear
        guard bit >= 0, bit < 256 else { return }
        let mask = UInt64(1) << UInt64(bit & 63)
        switch bit >> 6 {
        case 0: w0 |= mask
        case 1: w1 |= mask
        case 2: w2 |= mask
        default: w3 |= mask
        }
    }

    /// True when `year` is in the set.
    @inline(__always)
    func contains(_ year: Int64) -> Bool {
        let bit = year - Int64(CronField.firstYear)
        guard bit >= 0, bit < 256 else { return false }
        return word(Int(bit >> 6)) & (UInt64(1) << UInt64(bit & 63)) != 0
    }

    /// The smallest year in the set that is `>= year`, or nil.
    @inline(__always)
    func next(from year: Int64) -> Int64? {
        var bit = Int(max(0, year - Int64(CronField.firstYear)))
        while bit < 256 {
            let rest = word(bit >> 6) >> UInt64(bit & 63)
            if rest != 0 { return Int64(CronField.firstYear + bit + rest.trailingZeroBitCount) }
            bit = (bit | 63) + 1
        }
        return nil
    }

    /// The largest year in the set that is `<= year`, or nil.
    @inline(__always)
    func previous(from year: Int64) -> Int64? {
        var bit = Int(min(255, year - Int64(CronField.firstYear)))
        while bit >= 0 {
            let rest = word(bit >> 6) << UInt64(63 - (bit & 63))
            if rest != 0 { return Int64(CronField.firstYear + bit - rest.leadingZeroBitCount) }
            bit = (bit & ~63) - 1
        }
        return nil
    }

    @inline(__always)
    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: w0
        case 1: w1
        case 2: w2
        default: w3
        }
    }
}
