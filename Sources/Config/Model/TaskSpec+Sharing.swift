import Cron

extension TaskSpec.Fields {
    /// A location in the task's own file and JSON pointer, kept as a line and a column (8 bytes instead of a
    /// `SourceLocation`'s 48); any other location is boxed.
    struct Spot: Sendable, Hashable {
        var line: Int32 = 0
        var column: Int32 = 0
        var elsewhere: Shared<SourceLocation>?

        /// Stores `spot` relative to `base`.
        init(_ spot: SourceLocation, in base: SourceLocation) {
            if spot.file == base.file, spot.pointer == base.pointer, let line = Int32(exactly: spot.line),
               let column = Int32(exactly: spot.column)
            {
                self.line = line
                self.column = column
            } else {
                elsewhere = Shared(spot)
            }
        }

        /// The location, in `base`'s file.
        func location(in base: SourceLocation) -> SourceLocation {
            elsewhere?.value
                ?? SourceLocation(file: base.file, line: Int(line), column: Int(column), pointer: base.pointer)
        }
    }

    /// The settings every task starts with, one copy for all of them.
    static let defaultOptions = Shared(TaskSpec.Options())
}

/// Makes the specs of one load share their equal parts: one copy of each distinct `Options` and each distinct
/// cron expression. Used while a configuration is assembled, then dropped.
struct TaskSpecInterner {
    private var options = LastHitDictionary([TaskSpec.Options(): TaskSpec.Fields.defaultOptions])
    private var crons = LastHitDictionary<Shared<CronExpression>, Shared<CronExpression>>()

    /// The shared copy of `value`.
    mutating func share(_ value: TaskSpec.Options) -> Shared<TaskSpec.Options> {
        options.value(for: value) { Shared(value) }
    }

    /// The shared copy of `cron`'s expression (`cron` itself the first time).
    mutating func share(_ cron: Shared<CronExpression>) -> Shared<CronExpression> {
        crons.value(for: cron) { cron }
    }
}
