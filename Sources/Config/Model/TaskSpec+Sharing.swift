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
    private var options: Set<Shared<TaskSpec.Options>> = [TaskSpec.Fields.defaultOptions]
    private var crons: Set<Shared<CronExpression>> = []
    /// The copies the previous task got: neighbours in a file usually have the same settings, and comparing with
    /// the last costs less than hashing a whole `Options` (a profile of 100,000 tasks).
    private var lastOptions = TaskSpec.Fields.defaultOptions
    private var lastCron: Shared<CronExpression>?

    /// The shared copy of `value`.
    mutating func share(_ value: TaskSpec.Options) -> Shared<TaskSpec.Options> {
        if value == lastOptions.value { return lastOptions }
        lastOptions = options.insert(Shared(value)).memberAfterInsert
        return lastOptions
    }

    /// The shared copy of `cron`'s expression (`cron` itself the first time).
    mutating func share(_ cron: Shared<CronExpression>) -> Shared<CronExpression> {
        if let lastCron, lastCron == cron { return lastCron }
        let shared = crons.insert(cron).memberAfterInsert
        lastCron = shared
        return shared
    }

    /// Points `spec` at the shared copies of its options and expression.
    mutating func share(_ spec: inout TaskSpec) {
        spec.withUniqueFields { fields in
            fields.sharedOptions = share(fields.sharedOptions.value)
            if let cron = fields.sharedCron { fields.sharedCron = share(cron) }
        }
    }
}

extension TaskSpec {
    /// Calls `body` with the fields, copying them first if another spec shares them.
    mutating func withUniqueFields(_ body: (inout Fields) -> Void) {
        makeStorageUnique()
        body(&storage.fields)
    }
}
