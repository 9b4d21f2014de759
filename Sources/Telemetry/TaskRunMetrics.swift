import History
import Prometheus
import Synchronization

/// Run counts by task and status, skips by task and reason, and run durations by task, kept in one dictionary
/// and written in the Prometheus text format at scrape time.
///
/// These three families get label sets per task. swift-prometheus' registry copies a family's whole label-set
/// dictionary each time it adds one, so the first run of each of n tasks cost O(n), n tasks O(n²), all of it on
/// the scheduler actor (63 % of the daemon's CPU during a burst of 10,000 tasks that never ran before). Here a run
/// ending costs one dictionary update under a lock.
///
/// Thread safety: `Sendable`; the entries are a `Mutex`.
final class TaskRunMetrics: Sendable {
    private struct Entry {
        var statuses: [RunStatus: Int] = [:]
        var skips: [String: Int] = [:]
        /// Observations per bucket (not cumulative), one more than `bounds` for +Inf.
        var buckets: [Int]
        var count = 0
        var sum: Duration = .zero

        mutating func record(status: RunStatus, duration: Duration?, bucket: Int?) {
            statuses[status, default: 0] += 1
            if let duration, let bucket {
                buckets[bucket] += 1
                count += 1
                sum += duration
            }
        }
    }

    private let runsName: String
    private let skippedName: String
    private let durationName: String
    private let bounds: [Duration]
    private let entries = Mutex<[String: Entry]>([:])

    /// Creates empty metrics.
    /// - Parameters:
    ///   - runsName: the counter family of ended runs and decisions (`task`, `status` labels).
    ///   - skippedName: the counter family of skips (`task`, `reason` labels).
    ///   - durationName: the histogram family (`task` label) with upper bounds `buckets`.
    init(runsName: String, skippedName: String, durationName: String, buckets: [Duration]) {
        self.runsName = runsName
        self.skippedName = skippedName
        self.durationName = durationName
        self.bounds = buckets.sorted()
    }

    /// Counts a run or decision that reached `status`; `duration` is how long its plugin ran, if it did.
    func record(task: String, status: RunStatus, duration: Duration?) {
        let bucket = duration.map { value in bounds.firstIndex { value <= $0 } ?? bounds.count }
        entries.withLock { entries in
            entries[task, default: Entry(buckets: Array(repeating: 0, count: bounds.count + 1))].record(
                status: status, duration: duration, bucket: bucket)
        }
    }

    /// Counts a skip of `task`, `reason` being its short category (`overlap`, `paused`, ...).
    func recordSkip(task: String, reason: String) {
        entries.withLock { entries in
            entries[task, default: Entry(buckets: Array(repeating: 0, count: bounds.count + 1))]
                .skips[reason, default: 0] += 1
        }
    }

    /// The families in the Prometheus text exposition format (nothing for a family without samples).
    func emit() -> String {
        let snapshot = entries.withLock { $0 }
        let tasks = snapshot.keys.sorted()
        var text = ""
        if snapshot.values.contains(where: { !$0.statuses.isEmpty }) {
            text += "# TYPE \(runsName) counter\n"
            for task in tasks {
                let label = Self.escaped(task)
                for status in RunStatus.allCases {
                    guard let count = snapshot[task]?.statuses[status] else { continue }
                    text += "\(runsName){task=\"\(label)\",status=\"\(status.rawValue)\"} \(count)\n"
                }
            }
        }
        let skipping = tasks.filter { !snapshot[$0]!.skips.isEmpty }
        if !skipping.isEmpty {
            text += "# TYPE \(skippedName) counter\n"
            for task in skipping {
                let label = Self.escaped(task)
                for (reason, count) in snapshot[task]!.skips.sorted(by: { $0.key < $1.key }) {
                    text += "\(skippedName){task=\"\(label)\",reason=\"\(Self.escaped(reason))\"} \(count)\n"
                }
            }
        }
        let timed = tasks.filter { snapshot[$0]!.count > 0 }
        if !timed.isEmpty {
            text += "# TYPE \(durationName) histogram\n"
            for task in timed {
                let entry = snapshot[task]!
                let label = Self.escaped(task)
                var cumulative = 0
                for (index, bound) in bounds.enumerated() {
                    cumulative += entry.buckets[index]
                    text += "\(durationName)_bucket{task=\"\(label)\",le=\"\(bound.bucketRepresentation)\"} "
                        + "\(cumulative)\n"
                }
                text += "\(durationName)_bucket{task=\"\(label)\",le=\"+Inf\"} \(entry.count)\n"
                text += "\(durationName)_sum{task=\"\(label)\"} \(entry.sum.bucketRepresentation)\n"
                text += "\(durationName)_count{task=\"\(label)\"} \(entry.count)\n"
            }
        }
        return text
    }

    /// A label value as the text format wants it: backslash, double quote and line feed escaped.
    static func escaped(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
