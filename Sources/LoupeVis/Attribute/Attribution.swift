import LoupeData
import LoupeNN
import LoupeTensor

/// The attribute lab: every chosen method's map of one image for one class, each
/// optionally put through the cascading randomization test.
public struct Attribution {
    public var result: AttributionResult
    /// The image as the model saw it, [1, C, H, W].
    public let input: Tensor
    /// One map per method, in the order of `result.attributions`.
    public let maps: [AttributionMap]
    /// One report per method when the sanity check ran.
    public let sanity: [SanityCheck.Report]
    public let colormap: MagnitudeColormap

    /// What a long run reports as it goes.
    public enum Progress {
        /// A method starts on the target class.
        case method(String, target: Int, className: String)
        /// The sanity check of a method has randomized `done` of `total` layer groups.
        case sanity(String, done: Int, total: Int)
        /// The faithfulness metrics of a method's map start.
        case metrics(String)
    }

    public static func run(
        image path: String, model: Model, settings: AttributionSettings,
        registry: AttributionRegistry = .standard, progress: (Progress) -> Void = { _ in }
    ) throws -> Attribution {
        try settings.validate(registry: registry)
        var settings = settings
        if settings.metrics.all { settings.sanity = true }
        let methods = settings.methods.compactMap { registry.method(named: $0) }
        let input = try model.input(from: try Image.load(path: path))
        let target = try settings.target.map { try model.preset.classIndex($0) } ?? model.topK(input, k: 1)[0][0].index
        let className = target < model.preset.labels.count ? model.preset.labels[target] : "class \(target)"
        var context = Attributor(model: model, settings: settings)
        context.settings.layer = try settings.layer.map { try model.resolveLayer($0) }

        // Each method's metrics follow its map, so a caller counting methods sees each one whole.
        var maps: [AttributionMap] = [], reports: [SanityCheck.Report] = [], metrics: [MapMetrics?] = []
        for method in methods {
            progress(.method(method.name, target: target, className: className))
            if settings.sanity {
                let report = try SanityCheck.cascadingRandomization(
                    model: model, method: method.name, maxSteps: settings.sanityLayers, seed: settings.seed, runs: settings.sanityRuns,
                    progress: { progress(.sanity(method.name, done: $0, total: $1)) }) {
                    try context.attribute(input, target: target, method: method)
                }
                reports.append(report)
                maps.append(report.original)
            } else {
                maps.append(try context.attribute(input, target: target, method: method))
            }
            guard settings.metrics.fast else { continue }
            progress(.metrics(method.name))
            var measured = try Faithfulness.measure(maps[maps.count - 1], image: input, method: method, target: target, context: context)
            measured?.randomization = settings.sanity ? reports.last?.meanAbsRho : nil
            metrics.append(measured)
        }

        var result = AttributionResult(
            model: model.name, image: path, target: .init(index: target, name: className),
            settings: .init(settings),
            attributions: zip(methods, maps).map { method, map in
                let peak = map.argmax
                let scale = Render.scale(of: map, colormap: settings.colormap.colormap)
                let raw = AttributionResult.RawValues(
                    file: "\(map.method).npy", shape: [map.height, map.width], dtype: "float32", units: method.units,
                    pngScale: .init(colormap: scale.colormap.name, low: scale.range.lowerBound, high: scale.range.upperBound, rule: scale.rule))
                return .init(method: map.method, image: "\(map.method).png", mapImage: "\(map.method)-map.png", signed: map.signed,
                             layer: map.layer, peak: PixelPoint(x: peak.x, y: peak.y), figures: map.figures, raw: raw)
            },
            maps: maps.map { MapRecord(method: $0.method, image: "\($0.method).png", target: target, layer: $0.layer, channel: nil) },
            sanity: settings.sanity ? reports.map { SanityRecord($0, image: "sanity-\($0.method).png") } : nil,
            segmentation: maps.contains { $0.segmentation != nil } ? "segments.png" : nil)
        if settings.metrics.fast {
            result.faithfulness = settings.metrics
            for i in metrics.indices { result.attributions[i].metrics = metrics[i] }
        }
        return Attribution(result: result, input: input, maps: maps, sanity: reports, colormap: settings.colormap)
    }
}
