/// A cron expression bound to a time zone: computes fire instants.
///
/// Matching is on wall-clock time in `zone`. The zone's history splits time into periods of constant offset;
/// within one period wall time and real time move together, so each period is searched with one wall-clock
/// scan. At the period's end the DST rules apply (DESIGN.md §4):
/// - a fixed-time job (`isFixedTime`) whose wall time falls in a spring-forward gap fires once at the
///   transition instant (or not at all with `.skip`), and in a fall-back overlap only at the first occurrence;
/// - any other job follows real time: nothing in a gap, every matching instant in both passes of an overlap.
///
/// Immutable and shared by reference: the tasks of a generation with the same expression and zone hold one
/// schedule (100,000 daily tasks used to hold 100,000 copies of 190 bytes, twice each).
public final class CronSchedule: Sendable {
    /// The expression.
    public let expression: CronExpression
    /// The zone its wall-clock fields are matched in.
    public let zone: TimeZoneRules
    /// The DST-gap rule.
    public let dstGap: DSTGapPolicy

    /// Binds an expression to a zone.
    public init(expression: CronExpression, zone: TimeZoneRules, dstGap: DSTGapPolicy = .coalesce) {
        self.expression = expression
        self.zone = zone
        self.dstGap = dstGap
    }

    /// The first fire instant strictly after `instant`, or nil if the schedule never fires again
    /// (impossible dates, `@reboot`, or past year 2199).
    public func next(after instant: EpochSeconds) -> EpochSeconds? {
        if expression.isReboot || expression.neverFires || instant >= Int64.max / 4 { return nil }
        let fields = expression.fields
        let fixed = expression.isFixedTime
        var from = max(instant, Int64.min / 4) + 1
        // Start in the period holding `from - 1`: when `from` is itself a transition instant, that transition's
        // gap (which fires at `from`) is still considered.
        var period = zone.period(containing: from - 1)
        while true {
            let offset = Int64(zone.offset(period: period))
            let end = zone.end(period: period)
            var floor = from + offset - 1
            if fixed, period > 0 {
                // Just after a fall-back, the wall times the previous period already showed are not run again.
                let before = Int64(zone.offset(period: period - 1))
                if before > offset { floor = max(floor, zone.end(period: period - 1) + before - 1) }
            }
            guard let wall = fields.nextWall(after: floor) else { return nil }
            let candidate = wall - offset
            if candidate < end { return candidate }
            if fixed, dstGap == .coalesce, wall < end + Int64(zone.offset(period: period + 1)) {
                // The first match after this period lies in the spring-forward gap: run once at the transition.
                return end
            }
            from = end
            period += 1
        }
    }

    /// The last fire instant strictly before `instant`, or nil if there is none since 1970 (or the schedule
    /// never fires). The mirror of `next(after:)`: `next(after: previous(before: t)!)` is the first fire
    /// at or after it.
    public func previous(before instant: EpochSeconds) -> EpochSeconds? {
        if expression.isReboot || expression.neverFires || instant <= Int64.min / 4 { return nil }
        let fields = expression.fields
        let fixed = expression.isFixedTime
        var upTo = min(instant, Int64.max / 4) - 1
        var period = zone.period(containing: upTo)
        while true {
            let offset = Int64(zone.offset(period: period))
            let start: Int64? = period == 0 ? nil : zone.end(period: period - 1)
            let before = period == 0 ? offset : Int64(zone.offset(period: period - 1))
            var lowestWall = start.map { $0 + offset } ?? Int64.min
            if fixed, let start, before > offset {
                // Just after a fall-back, wall times the previous period already showed are not run again.
                lowestWall = start + before
            }
            if let wall = fields.previousWall(before: upTo + offset + 1), wall >= lowestWall {
                return wall - offset
            }
            guard let start else { return nil }
            // The transition opening this period fires itself when a fixed job's match lies in its gap.
            if fixed, dstGap == .coalesce, offset > before, start <= upTo,
                let gapMatch = fields.nextWall(after: start + before - 1), gapMatch < start + offset
            {
                return start
            }
            upTo = start - 1
            period -= 1
        }
    }
}
