/// One change of a zone's UTC offset.
public struct ZoneTransition: Sendable, Hashable {
    /// The instant the new offset starts.
    public let instant: EpochSeconds
    /// The offset in effect just before.
    public let offsetBefore: Int32
    /// The offset in effect from `instant` on.
    public let offsetAfter: Int32
    /// Whether the new offset is daylight-saving time.
    public let isDaylightSaving: Bool

    /// True when clocks jump forward: wall times `[instant + offsetBefore, instant + offsetAfter)` never happen.
    public var isGap: Bool { offsetAfter > offsetBefore }

    /// Creates a transition.
    public init(instant: EpochSeconds, offsetBefore: Int32, offsetAfter: Int32, isDaylightSaving: Bool) {
        self.instant = instant
        self.offsetBefore = offsetBefore
        self.offsetAfter = offsetAfter
        self.isDaylightSaving = isDaylightSaving
    }
}

extension TimeZoneRules {
    /// The offset changes whose local date (in the offset before the change) falls in `year`, in order.
    public func transitions(inYear year: Int) -> [ZoneTransition] {
        let first = CivilDate.days(year: Int64(year), month: 1, day: 1) * 86_400
        let last = CivilDate.days(year: Int64(year) + 1, month: 1, day: 1) * 86_400
        var result: [ZoneTransition] = []
        // Local dates are at most a day away from UTC, so a one-day margin finds every candidate.
        var index = period(containing: first - 2 * 86_400)
        while index < times.count, times[index] < last + 2 * 86_400 {
            let before = offset(period: index)
            let wall = times[index] + Int64(before)
            if wall >= first, wall < last {
                result.append(ZoneTransition(
                    instant: times[index], offsetBefore: before, offsetAfter: offsets[index],
                    isDaylightSaving: daylight[index]))
            }
            index += 1
        }
        return result
    }
}
