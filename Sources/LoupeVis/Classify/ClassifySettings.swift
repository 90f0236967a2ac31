/// What `loupe classify` computes: the top classes of each image.
public struct ClassifySettings: Codable, Sendable, Equatable {
    /// Classes shown per image; more than the model has is cut to its class count.
    public var top = 5

    public init(top: Int = 5) { self.top = top }

    public func validate() throws {
        guard top >= 1 else { throw VisError.invalid("top must be at least 1, got \(top)") }
    }
}
