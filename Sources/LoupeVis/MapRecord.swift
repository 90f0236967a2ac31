import LoupeReport

/// One picture of a map in `result.json` and `--json`, the same for deconv, attribute
/// and exemplars so scripts read their `maps` alike.
public struct MapRecord: Codable, Sendable, Equatable {
    public var method: String
    public var image: String
    @EncodedNull public var target: Int?
    @EncodedNull public var layer: String?
    @EncodedNull public var channel: Int?

    public init(method: String, image: String, target: Int?, layer: String?, channel: Int?) {
        (self.method, self.image) = (method, image)
        (self.target, self.layer, self.channel) = (target, layer, channel)
    }
}

/// What deconv, attribute and exemplars print for `--json`: the run folder, its maps,
/// and the sanity check (null when none ran).
public struct MapsLine: Codable, Sendable {
    public var run: String
    public var maps: [MapRecord]
    @EncodedNull public var sanity: [SanityRecord]?

    public init(run: String, maps: [MapRecord], sanity: [SanityRecord]? = nil) {
        (self.run, self.maps, self.sanity) = (run, maps, sanity)
    }
}

/// A pixel position in a map or image.
public struct PixelPoint: Codable, Sendable, Equatable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) { (self.x, self.y) = (x, y) }
}
