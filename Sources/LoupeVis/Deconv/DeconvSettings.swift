import LoupeTensor

/// What `loupe deconv` computes: which channels of which layer, kept how, under which rules.
public struct DeconvSettings: Codable, Sendable, Equatable {
    public var layer = ""
    /// One channel, or the `topChannels` strongest ones (1 when neither is given).
    public var channel: Int?
    public var topChannels: Int?
    public var rules: [ReLURule] = [.deconvnet]
    public var keep = DeconvKeep.unit

    public init() {}

    public func validate() throws {
        if layer.isEmpty { throw VisError.invalid("give a --layer") }
        if channel != nil && topChannels != nil { throw VisError.invalid("give --channel or --top-channels, not both") }
        if let channel, channel < 0 { throw VisError.invalid("--channel must not be negative") }
        if let topChannels, topChannels < 1 { throw VisError.invalid("--top-channels must be at least 1") }
        if rules.isEmpty { throw VisError.invalid("--rule needs at least one of deconvnet, guided, gradient") }
    }
}

extension ReLURule: Codable {}
