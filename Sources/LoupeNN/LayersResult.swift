/// What `loupe layers` reports: every tap of a model with its output shape for one image
/// at the preset's size and its receptive field, for the table and for `--json`.
public struct LayersResult: Codable, Sendable, Equatable {
    public struct Layer: Codable, Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// Nil for layers that see the whole image (after a flatten or a global pool);
        /// written as `null` so scripts read the key unconditionally.
        public var receptiveField: ReceptiveField.Extent?
        /// The field's own wording ("3 px (units 1 px apart)"), for the table only.
        var fieldText: String?

        public init(name: String, shape: [Int], receptiveField: ReceptiveField?) {
            (self.name, self.shape) = (name, shape)
            self.receptiveField = receptiveField?.extent
            fieldText = receptiveField?.description
        }

        enum CodingKeys: String, CodingKey { case name, shape, receptiveField = "receptive_field" }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            (name, shape) = (try c.decode(String.self, forKey: .name), try c.decode([Int].self, forKey: .shape))
            receptiveField = try c.decodeIfPresent(ReceptiveField.Extent.self, forKey: .receptiveField)
            fieldText = receptiveField.map { "\($0.size) px (units \($0.jump) px apart)" }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(shape, forKey: .shape)
            try c.encode(receptiveField, forKey: .receptiveField)
        }
    }

    public var model: String
    public var layers: [Layer]

    public init(model: String, layers: [Layer]) { (self.model, self.layers) = (model, layers) }

    /// Every tap of `model`, in forward order.
    public init(model: Model) throws {
        let layers = try model.layers().map { layer in
            Layer(name: layer.name, shape: layer.shape, receptiveField: try model.receptiveField(at: layer.name))
        }
        self.init(model: model.name, layers: layers)
    }

    /// The table `loupe layers` prints: one column each for the name, the shape and the
    /// field, every column at least as wide as its header so header and rows line up.
    public func table() -> String {
        let shapes = layers.map { $0.shape.map(String.init).joined(separator: "×") }
        let rows = [("layer", "shape", "receptive field")]
            + zip(layers, shapes).map { ($0.name, $1, $0.fieldText ?? "whole image") }
        let nameWidth = rows.map(\.0.count).max() ?? 0, shapeWidth = rows.map(\.1.count).max() ?? 0
        return rows.map { name, shape, field in
            name.padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0)
                + shape.padding(toLength: shapeWidth + 2, withPad: " ", startingAt: 0) + field + "\n"
        }.joined()
    }
}
