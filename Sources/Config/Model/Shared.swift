/// An immutable value on the heap, held by everyone with an equal one (tasks share their settings through it: see
/// `TaskSpecInterner`, `TaskDefinition.Policies`); equal and hashed by value.
public final class Shared<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The value.
    public let value: Value

    /// Boxes `value`.
    public init(_ value: Value) { self.value = value }

    public static func == (lhs: Shared, rhs: Shared) -> Bool { lhs === rhs || lhs.value == rhs.value }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
