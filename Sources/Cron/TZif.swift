/// A reader for TZif files (RFC 8536): the transition table plus its POSIX TZ footer, expanded to 2200.
enum TZif {
    /// Why a file could not be read.
    struct Failure: Error {
        /// What is wrong with the file.
        var message: String
    }

    /// A zone's offsets over time.
    struct Table {
        /// Transition instants, ascending.
        var times: [Int64] = []
        /// The offset from each transition on.
        var offsets: [Int32] = []
        /// Whether each transition starts daylight time.
        var daylight: [Bool] = []
        /// The offset before the first transition.
        var initialOffset: Int32 = 0

        /// The table without changes that change nothing: of several transitions at one instant the last wins,
        /// and a transition to the offset already in effect is dropped (a zero-length or no-op period would look
        /// like a gap or an overlap to the scheduler).
        func normalized() -> Table {
            var result = Table(initialOffset: initialOffset)
            for index in times.indices {
                if index + 1 < times.count, times[index + 1] <= times[index] { continue }
                if (result.offsets.last ?? result.initialOffset) == offsets[index] { continue }
                result.times.append(times[index])
                result.offsets.append(offsets[index])
                result.daylight.append(daylight[index])
            }
            return result
        }
    }

    /// The year through which footer rules are expanded into explicit transitions.
    static let expandThroughYear: Int64 = 2200

    /// Parses a whole TZif file.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Table {
        var reader = Reader(bytes: bytes)
        let header = try reader.header()
        // Version 1 data comes first; with v2+, skip it and read the 64-bit block that follows.
        if header.version >= 2 {
            reader.offset += header.dataLength(timeSize: 4)
            let header64 = try reader.header()
            var table = try reader.block(header64, timeSize: 8)
            if let footer = reader.footer(), !footer.isEmpty {
                guard let rule = POSIXZoneRule(footer) else {
                    throw Failure(message: "unreadable TZ footer \"\(footer)\"")
                }
                rule.extend(&table, through: expandThroughYear)
            }
            return table.normalized()
        }
        return try reader.block(header, timeSize: 4).normalized()
    }

    /// Counts from a TZif header.
    struct Header {
        /// 1 for the original format, 2, 3 or 4 for the 64-bit ones.
        var version: Int
        /// The header's six counts, in file order.
        var isUTCCount: Int
        var isStandardCount: Int
        var leapCount: Int
        var timeCount: Int
        var typeCount: Int
        var charCount: Int

        /// Bytes of the data block that follows, for `timeSize`-byte times.
        func dataLength(timeSize: Int) -> Int {
            timeCount * timeSize + timeCount + typeCount * 6 + charCount + leapCount * (timeSize + 4)
                + isStandardCount + isUTCCount
        }
    }

    /// A cursor over the file's bytes.
    struct Reader {
        /// The whole file.
        var bytes: [UInt8]
        /// The next byte to read.
        var offset = 0

        /// Reads a 44-byte header.
        mutating func header() throws(Failure) -> Header {
            guard offset + 44 <= bytes.count, bytes[offset] == 0x54, bytes[offset + 1] == 0x5A,
                bytes[offset + 2] == 0x69, bytes[offset + 3] == 0x66
            else { throw Failure(message: "not a TZif file") }
            let versionByte = bytes[offset + 4]
            let version = versionByte == 0 ? 1 : Int(versionByte) - 0x30
            offset += 20
            var counts: [Int] = []
            for _ in 0..<6 { counts.append(Int(UInt32(truncatingIfNeeded: read(4)))) }
            return Header(
                version: version, isUTCCount: counts[0], isStandardCount: counts[1], leapCount: counts[2],
                timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
        }

        /// Reads one data block into a table.
        mutating func block(_ header: Header, timeSize: Int) throws(Failure) -> Table {
            guard offset + header.dataLength(timeSize: timeSize) <= bytes.count, header.typeCount > 0 else {
                throw Failure(message: "truncated TZif data")
            }
            var times: [Int64] = []
            for _ in 0..<header.timeCount {
                times.append(timeSize == 8 ? read(8) : Int64(Int32(truncatingIfNeeded: read(4))))
            }
            var indices: [Int] = []
            for _ in 0..<header.timeCount { indices.append(Int(read(1))) }
            var typeOffsets: [Int32] = []
            var typeDaylight: [Bool] = []
            for _ in 0..<header.typeCount {
                typeOffsets.append(Int32(truncatingIfNeeded: read(4)))
                typeDaylight.append(read(1) != 0)
                _ = read(1)
            }
            offset += header.charCount + header.leapCount * (timeSize + 4) + header.isStandardCount
                + header.isUTCCount
            var table = Table()
            table.initialOffset = typeOffsets[0]
            for (time, index) in zip(times, indices) {
                guard index < typeOffsets.count else { throw Failure(message: "bad local time type index") }
                table.times.append(time)
                table.offsets.append(typeOffsets[index])
                table.daylight.append(typeDaylight[index])
            }
            return table
        }

        /// The footer between the two newlines after the v2+ data, if any.
        mutating func footer() -> String? {
            guard offset < bytes.count, bytes[offset] == 0x0A else { return nil }
            guard let end = bytes[(offset + 1)...].firstIndex(of: 0x0A) else { return nil }
            return String(decoding: bytes[(offset + 1)..<end], as: UTF8.self)
        }

        /// A big-endian signed integer of `size` bytes.
        mutating func read(_ size: Int) -> Int64 {
            var value: UInt64 = 0
            for index in 0..<size { value = value << 8 | UInt64(bytes[offset + index]) }
            offset += size
            if size < 8, value & (UInt64(1) << UInt64(size * 8 - 1)) != 0, size == 4 {
                return Int64(Int32(truncatingIfNeeded: value))
            }
            return Int64(bitPattern: value)
        }
    }
}
