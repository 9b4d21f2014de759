/// An error loading a time zone.
public struct TimeZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The identifier asked for.
    public var identifier: String
    /// Why it could not be loaded.
    public var message: String
    /// Creates an error.
    public init(identifier: String, message: String) {
        self.identifier = identifier
        self.message = message
    }
    /// A readable description.
    public var description: String { message }
}
