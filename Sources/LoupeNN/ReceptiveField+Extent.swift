extension ReceptiveField {
    /// What result files show of a field: its size and jump along x, the keys scripts
    /// read; the description keeps both axes for a field that is not square.
    public struct Extent: Codable, Sendable, Equatable {
        public var size: Int
        public var jump: Int

        public init(size: Int, jump: Int) { (self.size, self.jump) = (size, jump) }
    }

    public var extent: Extent { Extent(size: x.size, jump: x.jump) }
}
