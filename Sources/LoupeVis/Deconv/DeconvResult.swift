import LoupeReport
import LoupeTensor

/// `result.json` of `loupe deconv`. Image paths are file names inside the run folder
/// until `DeconvReport` writes them as the paths they end up at.
public struct DeconvResult: Codable, Sendable {
    public struct Crop: Codable, Sendable, Equatable {
        public var x, y, side: Int
        /// The image and the reconstruction side by side, cropped to the box.
        public var image: String
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var rule: ReLURule
        public var channel: Int
        public var activation: Float
        public var image: String
        /// The kept unit in the layer's map; null when the whole map was kept.
        @EncodedNull public var unit: PixelPoint?
        /// The unit's receptive field (or the reconstruction's footprint), with --keep unit.
        public var crop: Crop?
    }

    public var command = ""
    public var model: String
    public var image: String
    public var layer: String
    public var keep: DeconvKeep
    public var rules: [ReLURule]
    public var reconstructions: [Entry]
    public var maps: [MapRecord]
    @EncodedNull public var sanity: [SanityRecord]?
}
