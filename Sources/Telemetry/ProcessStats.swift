import Foundation

/// This process's memory and CPU use, read from `/proc/self/stat`.
public struct ProcessStats: Sendable, Hashable {
    /// Resident set size in bytes.
    public var residentBytes: Int64
    /// Virtual memory size in bytes.
    public var virtualBytes: Int64
    /// User plus system CPU time in seconds.
    public var cpuSeconds: Double

    /// Reads the current values; nil where `/proc` is not available.
    public static func read() -> ProcessStats? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces), starting with field 3 (state).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 22, let utime = Double(fields[11]), let stime = Double(fields[12]),
              let virtual = Int64(fields[20]), let rssPages = Int64(fields[21])
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        return ProcessStats(
            residentBytes: rssPages * pageSize, virtualBytes: virtual, cpuSeconds: (utime + stime) / max(ticks, 1))
    }

    /// The memory this process may use: the cgroup v2 limit when one is set, else the machine's memory.
    public static func memoryLimit() -> Int64 {
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limit = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return limit
        }
        return Int64(ProcessInfo.processInfo.physicalMemory)
    }
}
