import LoupeNN
import LoupeReport
import LoupeTensor

/// `result.json` of `loupe exemplars`. Image paths are file names inside the run folder
/// until `ExemplarsReport` writes them as the paths they end up at.
public struct ExemplarsResult: Codable, Sendable, Equatable {
    public struct Crop: Codable, Sendable, Equatable {
        public var x, y, side: Int
    }

    public struct Entry: Codable, Sendable, Equatable {
        /// 1 for the strongest image.
        public var rank: Int
        /// The image's index in the data.
        public var index: Int
        public var caption: String
        /// The unit's peak activation, widened so the figure reads as the Float it was.
        public var activation: Double
        /// Where the unit sits in the layer's map; null when the layer has no spatial map.
        @EncodedNull public var unit: PixelPoint?
        /// The square the figure crops to (the unit's receptive field, or the footprint).
        public var crop: Crop
        @EncodedNull public var receptiveField: ReceptiveField.Extent?
        public var image: String
        public var reconstruction: String
        /// The cropped image and reconstruction side by side.
        public var pair: String

        enum CodingKeys: String, CodingKey {
            case rank, index, caption, activation, unit, crop, receptiveField = "receptive_field", image, reconstruction, pair
        }
    }

    public var command = ""
    public var model: String
    public var layer: String
    public var channel: Int
    public var data: String
    /// How many images were scanned: the data's size, or --limit when smaller.
    public var scanned: Int
    public var k: Int
    public var rule: ReLURule
    public var exemplars: [Entry]
    public var maps: [MapRecord]
    @EncodedNull public var sanity: [SanityRecord]?
}
