import Foundation
import LoupeNN

/// The exemplars lab: scan the data for a unit's top-k images, reconstruct each, and
/// describe them as `result.json` will.
public struct ExemplarsLab {
    public var result: ExemplarsResult
    /// One per entry of `result.exemplars`, with the tensors the report draws.
    public let exemplars: [Exemplar]
    /// The model's input side, which sets the figure's cell size and pixelation.
    public let inputSize: Int

    /// Runs `settings` on `model` over `source`, or over the data `settings.data` names.
    public static func run(model: Model, settings: ExemplarsSettings, source: ExemplarSource? = nil,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> ExemplarsLab {
        try settings.validate()
        let source = try source ?? ExemplarSource.named(settings.data, model: model)
        let found = try ExemplarSearch(model: model).run(
            layer: settings.layer, channel: settings.channel, source: source, k: settings.k, limit: settings.limit,
            rule: settings.rule, batchSize: settings.batchSize, progress: progress)
        let layer = try model.resolveLayer(settings.layer), rule = settings.rule.rawValue
        let entries = found.enumerated().map { rank, e in
            let stem = String(format: "top-%02d", rank + 1)
            return ExemplarsResult.Entry(
                rank: rank + 1, index: e.index, caption: e.caption, activation: Double(e.activation),
                unit: e.unit.map { PixelPoint(x: $0.x, y: $0.y) }, crop: .init(x: e.crop.x, y: e.crop.y, side: e.crop.side),
                receptiveField: e.receptiveField?.extent,
                image: stem + "-image.png", reconstruction: stem + "-\(rule).png", pair: stem + ".png")
        }
        let result = ExemplarsResult(
            model: model.name, layer: layer, channel: settings.channel, data: source.name,
            scanned: Swift.min(source.count, settings.limit ?? source.count), k: settings.k, rule: settings.rule,
            exemplars: entries,
            maps: entries.map { MapRecord(method: rule, image: $0.reconstruction, target: nil, layer: layer, channel: settings.channel) },
            sanity: nil)
        return ExemplarsLab(result: result, exemplars: found, inputSize: model.preset.inputSize)
    }
}
