/// What a fixed-time job does when its wall time falls into a spring-forward gap.
public enum DSTGapPolicy: String, Sendable, Hashable, CaseIterable {
    /// Fire once at the transition instant (cronie's rule; the default).
    case coalesce
    /// Do not fire (the OCPS 1.4 recommendation).
    case skip
}
