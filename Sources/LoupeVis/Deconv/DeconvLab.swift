import LoupeData
import LoupeNN
import LoupeTensor

/// The deconv lab: one image forwarded to a layer once, then each chosen channel
/// reconstructed under each rule.
public struct DeconvLab {
    public var result: DeconvResult
    /// The image as the model saw it, [1, C, H, W].
    public let input: Tensor
    /// One per entry of `result.reconstructions`.
    public let reconstructions: [Reconstruction]
    /// The crop box of each reconstruction with --keep unit.
    public let crops: [(x: Int, y: Int, side: Int)?]
    /// Whether the boxes are receptive fields (else footprints of the reconstruction).
    public let hasField: Bool

    public static func run(image path: String, model: Model, settings: DeconvSettings,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> DeconvLab {
        try settings.validate()
        let input = try model.input(from: try Image.load(path: path))
        let pass = try Deconv(model: model).forward(input, layer: settings.layer)
        if let channel = settings.channel, channel >= pass.channels {
            throw VisError.invalid("--channel \(channel) is outside 0..<\(pass.channels) of layer \(pass.layer)")
        }
        let channels = try settings.channel.map { [$0] } ?? pass.strongestChannels(k: settings.topChannels ?? 1)
        var made: [(rule: ReLURule, r: Reconstruction)] = []
        for c in channels {
            for rule in settings.rules {
                made += try pass.reconstruct([(0, c)], keep: settings.keep, rule: rule).map { (rule, $0) }
                progress(made.count, channels.count * settings.rules.count)
            }
        }
        let (h, w) = (input.shape[2], input.shape[3])
        let field = try model.receptiveField(at: pass.layer, height: h, width: w)
        let crops = made.map { settings.keep == .unit ? ExemplarSearch.crop($0.r, field: field, width: w, height: h) : nil }
        let entries = zip(made, crops).map { m, box in
            let stem = "\(m.rule.rawValue)-c\(m.r.channel)"
            return DeconvResult.Entry(rule: m.rule, channel: m.r.channel, activation: m.r.activation, image: stem + ".png",
                                      unit: m.r.unit.map { PixelPoint(x: $0.x, y: $0.y) },
                                      crop: box.map { .init(x: $0.x, y: $0.y, side: $0.side, image: stem + "-crop.png") })
        }
        let result = DeconvResult(
            model: model.name, image: path, layer: pass.layer, keep: settings.keep, rules: settings.rules, reconstructions: entries,
            maps: entries.map { MapRecord(method: $0.rule.rawValue, image: $0.image, target: nil, layer: pass.layer, channel: $0.channel) },
            sanity: nil)
        return DeconvLab(result: result, input: input, reconstructions: made.map(\.r), crops: crops, hasField: field != nil)
    }
}
