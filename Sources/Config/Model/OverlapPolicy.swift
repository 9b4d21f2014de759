/// What a task does when its next slot falls due while a run of it is still active.
public enum OverlapPolicy: String, Sendable, Hashable, CaseIterable {
    /// Skip the new slot and record it as skipped (default).
    case skip
    /// Keep at most one waiting run; it starts when the active one ends. Further slots are skipped.
    case queue
    /// Run concurrently, up to `max_instances` runs at once; slots beyond are skipped.
    case allow
    /// Ask the running run to stop (recorded `cancelled`), then start the new one.
    case replace
}
