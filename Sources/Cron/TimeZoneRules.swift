import Foundation

/// The UTC-offset rules of one IANA time zone, read from the system's TZif files.
///
/// The table of transitions is read once (TZif v2+ 64-bit data, or v1 data for old files) and extended with the
/// file's POSIX TZ footer through the year 2200, so lookups never evaluate rules and never allocate.
public struct TimeZoneRules: Sendable, Hashable {
    /// The table, in one object: every task in a zone holds the same one, so a copy of the rules costs a
    /// reference (a scheduler with 100,000 tasks keeps two copies per task).
    private let table: Table

    /// The immutable data of a zone.
    private final class Table: Sendable {
        let identifier: String
        let times: [Int64]
        let offsets: [Int32]
        let daylight: [Bool]
        let initialOffset: Int32

        init(identifier: String, times: [Int64], offsets: [Int32], daylight: [Bool], initialOffset: Int32) {
            self.identifier = identifier
            self.times = times
            self.offsets = offsets
            self.daylight = daylight
            self.initialOffset = initialOffset
        }
    }

    /// The IANA identifier (`"Europe/Paris"`, `"UTC"`).
    public var identifier: String { table.identifier }
    /// Transition instants, ascending.
    var times: [Int64] { table.times }
    /// The offset in effect from each transition on.
    var offsets: [Int32] { table.offsets }
    /// Whether each transition starts daylight-saving time.
    var daylight: [Bool] { table.daylight }
    /// The offset before the first transition.
    var initialOffset: Int32 { table.initialOffset }

    public static func == (lhs: TimeZoneRules, rhs: TimeZoneRules) -> Bool {
        lhs.table === rhs.table
            || (lhs.identifier == rhs.identifier && lhs.initialOffset == rhs.initialOffset && lhs.times == rhs.times
                && lhs.offsets == rhs.offsets && lhs.daylight == rhs.daylight)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(identifier)
        hasher.combine(initialOffset)
        hasher.combine(times)
        hasher.combine(offsets)
        hasher.combine(daylight)
    }

    /// UTC.
    public static let utc = TimeZoneRules(identifier: "UTC", times: [], offsets: [], daylight: [], initialOffset: 0)

    /// The folder the system keeps its TZif files in.
    public static let systemZoneinfo = "/usr/share/zoneinfo"

    /// A zone from an already-read table.
    init(identifier: String, times: [Int64], offsets: [Int32], daylight: [Bool], initialOffset: Int32) {
        table = Table(
            identifier: identifier, times: times, offsets: offsets, daylight: daylight, initialOffset: initialOffset)
    }

    /// Loads a zone by IANA identifier; `"local"` means the system zone.
    /// - Throws: `TimeZoneError` when the zone does not exist.
    public init(identifier: String) throws(TimeZoneError) {
        try self.init(identifier: identifier, zoneinfo: TimeZoneRules.systemZoneinfo, localtime: "/etc/localtime")
    }

    /// Loads a zone from a given tzdata folder (tests inject one).
    /// - Parameters:
    ///   - identifier: an IANA name such as `"Europe/Paris"`, `"UTC"`, or `"local"` for the zone of `localtime`.
    ///   - zoneinfo: the folder holding the TZif files.
    ///   - localtime: the TZif file `"local"` reads (the system's `/etc/localtime`).
    /// - Throws: `TimeZoneError` when the name is malformed, the file is missing or it is not valid TZif.
    public init(identifier: String, zoneinfo: String, localtime: String) throws(TimeZoneError) {
        if identifier == "UTC" {
            self = .utc
            return
        }
        let path: String
        var name = identifier
        if identifier == "local" {
            path = localtime
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: localtime),
                let range = target.range(of: "zoneinfo/")
            {
                name = String(target[range.upperBound...])
            }
        } else {
            let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
            guard !identifier.isEmpty, !identifier.hasPrefix("/"),
                parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
                identifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_-+".contains($0)) })
            else {
                throw TimeZoneError(identifier: identifier, message: "invalid time zone name \"\(identifier)\"")
            }
            path = zoneinfo + "/" + identifier
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TimeZoneError(
                identifier: identifier, message: "unknown time zone \"\(identifier)\" (no file \(path))")
        }
        do {
            let table = try TZif.parse([UInt8](data))
            self.init(
                identifier: name, times: table.times, offsets: table.offsets, daylight: table.daylight,
                initialOffset: table.initialOffset)
        } catch {
            throw TimeZoneError(identifier: identifier, message: "time zone \"\(identifier)\": \(error.message)")
        }
    }

    /// Offset from UTC in seconds in effect at `instant`.
    public func offset(at instant: EpochSeconds) -> Int32 {
        offset(period: period(containing: instant))
    }

    /// The number of transitions at or before `instant`: the index of the period containing it.
    @inline(__always)
    func period(containing instant: Int64) -> Int {
        let times = table.times
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) >> 1
            if times[middle] <= instant { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The offset in effect during period `index` (period 0 precedes the first transition).
    @inline(__always)
    func offset(period index: Int) -> Int32 {
        index == 0 ? table.initialOffset : table.offsets[index - 1]
    }

    /// The instant period `index` ends (the next transition), or `Int64.max`.
    @inline(__always)
    func end(period index: Int) -> Int64 {
        let times = table.times
        return index < times.count ? times[index] : Int64.max
    }
}
