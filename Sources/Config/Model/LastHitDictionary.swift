/// A dictionary that compares a key with the one looked up last before it hashes: a load walks its tasks in file
/// order, and neighbours usually have the same schedule, zone, plugin and settings. Hashing each of them per task
/// (an expression, a whole `Options`, a zone name) was a tenth of a 100,000-task start-up in perf; comparing with
/// the last is one equality check.
public struct LastHitDictionary<Key: Hashable, Value> {
    @usableFromInline var entries: [Key: Value]
    @usableFromInline var last: (key: Key, value: Value)?

    /// A dictionary holding `entries`.
    @inlinable
    public init(_ entries: [Key: Value] = [:]) {
        self.entries = entries
    }

    /// The value for `key`, or nil.
    @inlinable
    public subscript(key: Key) -> Value? {
        mutating get {
            if let last, last.key == key { return last.value }
            guard let value = entries[key] else { return nil }
            last = (key, value)
            return value
        }
    }

    /// Stores `value` for `key`.
    @inlinable
    public mutating func insert(_ value: Value, for key: Key) {
        entries[key] = value
        last = (key, value)
    }

    /// The value for `key`, made by `make` (and stored) the first time.
    @inlinable
    public mutating func value<Failure: Error>(
        for key: Key, orMake make: () throws(Failure) -> Value
    ) throws(Failure) -> Value {
        if let known = self[key] { return known }
        let value = try make()
        insert(value, for: key)
        return value
    }
}
