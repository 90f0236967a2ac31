import Foundation
import LoupeData
import LoupeNN

/// The attribute lab over many images: every method on every image, each map scored by the
/// faithfulness metrics, and per method the mean of each metric with its 95% t-interval and
/// the mean rank that orders the methods.
public enum AttributionComparison {
    /// What a long run reports as it goes.
    public enum Progress {
        /// `done` of `total` (image, method) pairs are finished; `method` starts on `image`.
        case method(String, image: String, done: Int, total: Int)
        /// All pairs are finished.
        case finished(total: Int)
        /// `--method all` leaves `method` out on this model.
        case skipped(String, reason: String)
    }

    /// Runs `settings.methods` on every image of `paths`. With `everyMethod` (`--method all`)
    /// methods that cannot apply to the model are skipped with their reason; otherwise such a
    /// method fails the run as it does on one image. `each` receives every image's row (file
    /// names inside the run folder) and its maps as soon as the image is done, so only the
    /// numbers stay in memory.
    public static func run(
        images paths: [String], model: Model, settings: AttributionSettings, everyMethod: Bool,
        registry: AttributionRegistry = .standard, progress: (Progress) -> Void = { _ in },
        each: (ComparisonResult.ImageRow, Attribution) throws -> Void = { _, _ in }
    ) throws -> ComparisonResult {
        try settings.validate(registry: registry)
        guard let first = paths.first else { throw VisError.invalid("--images named no image") }
        var settings = settings
        var skipped: [ComparisonResult.Skipped] = []
        if everyMethod {
            let input = try model.input(from: try Image.load(path: first))
            let target = try settings.target.map { try model.preset.classIndex($0) } ?? model.topK(input, k: 1)[0][0].index
            var context = Attributor(model: model, settings: settings)
            context.settings.layer = try settings.layer.map { try model.resolveLayer($0) }
            settings.methods = settings.methods.filter { name in
                guard let method = registry.method(named: name) else { return false }
                guard let reason = method.inapplicability(input, target: target, context: context) else { return true }
                skipped.append(.init(method: name, reason: reason))
                progress(.skipped(name, reason: reason))
                return false
            }
            guard !settings.methods.isEmpty else {
                throw VisError.invalid("no method applies to \(model.name): " + skipped.map { "\($0.method): \($0.reason)" }.joined(separator: "; "))
            }
        }
        let methods = settings.methods, total = paths.count * methods.count
        var rows: [ComparisonResult.ImageRow] = []
        for (i, path) in paths.enumerated() {
            var started = 0
            let attribution = try Attribution.run(image: path, model: model, settings: settings, registry: registry) { event in
                guard case let .method(name, _, _) = event else { return }
                progress(.method(name, image: path, done: i * methods.count + started, total: total))
                started += 1
            }
            let folder = String(format: "images/%03d-", i + 1) + stem(path)
            let row = ComparisonResult.ImageRow(
                image: path, input: "\(folder)/input.png", target: attribution.result.target,
                maps: attribution.result.attributions.map {
                    .init(method: $0.method, image: "\(folder)/\($0.method).png", layer: $0.layer, metrics: $0.metrics)
                })
            try each(row, attribution)
            rows.append(row)
        }
        progress(.finished(total: total))
        let fractions = rows.first?.maps.first?.metrics?.deletion?.fractions
        return ComparisonResult(
            model: model.name, methods: methods, skipped: skipped, settings: .init(settings),
            faithfulness: settings.metrics.fast ? settings.metrics : nil, interval: MeanInterval.rule,
            rankedBy: ComparedMetric.all.filter(\.ranks).map(\.key), curveFractions: fractions, n: rows.count,
            summary: summarize(rows, methods: methods), images: rows)
    }

    /// Per method: each metric's mean and interval over the images, the mean rank, and the
    /// mean curves; the methods ordered by mean rank (methods without one last, in run order).
    public static func summarize(_ rows: [ComparisonResult.ImageRow], methods: [String]) -> [ComparisonResult.MethodSummary] {
        // metricsOf[image][method]
        let metricsOf = rows.map { row in methods.map { name in row.maps.first { $0.method == name }?.metrics } }
        // Per image, each method's mean rank over the ranking metrics that image has.
        let imageRanks: [[Double?]] = metricsOf.map { perMethod in
            var sums = [Double](repeating: 0, count: methods.count), counts = [Int](repeating: 0, count: methods.count)
            for metric in ComparedMetric.all where metric.ranks {
                for (m, rank) in metric.rank(perMethod.map { $0.flatMap(metric.value) }).enumerated() {
                    if let rank { sums[m] += rank; counts[m] += 1 }
                }
            }
            return methods.indices.map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : nil }
        }
        var summaries = methods.enumerated().map { m, name in
            let measured = metricsOf.compactMap { $0[m] }
            var metrics: [String: MeanInterval] = [:]
            for metric in ComparedMetric.all { metrics[metric.key] = MeanInterval(measured.compactMap(metric.value)) }
            return ComparisonResult.MethodSummary(
                method: name, rank: 0, meanRank: MeanInterval(imageRanks.compactMap { $0[m] }), metrics: metrics,
                deletionCurve: meanCurve(measured.map { $0.deletion?.scores }, images: rows.count),
                insertionCurve: meanCurve(measured.map { $0.insertion?.scores }, images: rows.count))
        }
        let order = summaries.indices.sorted { a, b in
            let (ra, rb) = (summaries[a].meanRank.mean ?? .infinity, summaries[b].meanRank.mean ?? .infinity)
            return ra != rb ? ra < rb : a < b
        }
        for (position, index) in order.enumerated() { summaries[index].rank = position + 1 }
        return order.map { summaries[$0] }
    }

    /// The pointwise mean of one curve per image, when every image has one of the same length.
    static func meanCurve(_ curves: [[Double]?], images: Int) -> [Double]? {
        let present = curves.compactMap { $0 }
        guard images > 0, present.count == images, let length = present.first?.count, present.allSatisfy({ $0.count == length }) else {
            return nil
        }
        return (0..<length).map { j in present.reduce(0) { $0 + $1[j] } / Double(images) }
    }

    /// A file-name-safe stem of the image's name.
    static func stem(_ path: String) -> String {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let safe = String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "-_".unicodeScalars.contains($0) ? Character($0) : "_" })
        return String(safe.prefix(40))
    }

}
