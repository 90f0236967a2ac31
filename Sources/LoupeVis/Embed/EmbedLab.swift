import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// The embed lab: a layer's feature vector for every image, projected to 2-D, with the
/// map's faithfulness and each space's class separation measured.
public struct EmbedLab {
    public var result: EmbedResult
    /// n × 2, row-major.
    public let coordinates: [Float]
    public let labels: [Int]
    /// One small picture per point, for the page's hover.
    public let thumbnails: [Image]

    /// Thumbnails are at most this many pixels a side (28×28 Fashion-MNIST stays as is).
    static let thumbnailSide = 48

    public static func run(model: Model, settings: EmbedSettings,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> EmbedLab {
        try settings.validate()
        let layer = try model.resolveLayer(settings.layer)
        let data = try EmbedData.named(settings.data, model: model, limit: settings.limit)
        let n = data.count
        guard n > 2 * settings.neighbors else {
            throw VisError.invalid("\(n) images are too few for --neighbors \(settings.neighbors): give more than \(2 * settings.neighbors)")
        }
        var features: [Float] = [], dimensions = 0, kind = "", predicted: [Int] = [], thumbnails: [Image] = []
        features.reserveCapacity(n)
        var start = 0
        while start < n {
            let indices = Array(start..<Swift.min(start + settings.batchSize, n))
            let images = try data.load(indices)
            let pass = try Autograd.noGrad {
                try model.forward(images, recording: [layer], stopAfter: data.labelled ? layer : nil)
            }
            guard let a = pass[layer] else { throw VisError.invalid("layer \(layer) was not recorded") }
            let (rows, kindHere) = try vectors(a, features: settings.features)
            if dimensions == 0 {
                dimensions = rows.count / indices.count
                (kind, features) = (kindHere, [])
                let (total, overflow) = n.multipliedReportingOverflow(by: dimensions)
                guard !overflow, total <= 1 << 30 else {
                    throw VisError.invalid("\(n) images × \(dimensions) features of \(layer) are too many: use --features mean or a smaller --limit")
                }
                features.reserveCapacity(total)
            }
            features += rows
            if !data.labelled, let logits = pass.output { predicted += try logits.argmax() }
            for image in try Image.images(from: images) {
                let side = Swift.max(image.width, image.height)
                thumbnails.append(side <= thumbnailSide ? image
                                  : try image.resized(width: image.width * thumbnailSide / side, height: image.height * thumbnailSide / side))
            }
            start += indices.count
            progress(start, n)
        }
        let labels = data.labels ?? predicted
        let pca = try PCA(features, count: n, dimensions: dimensions, components: Swift.min(2, dimensions))
        var map = pca.coordinates
        if pca.components == 1 { map = map.flatMap { [$0, 0] } }
        var tsne: EmbedResult.TSNE?
        if settings.method == .tsne {
            var options = TSNE.Options()
            (options.perplexity, options.iterations, options.seed) = (settings.perplexity, settings.iterations, settings.seed)
            let t = try TSNE(features, count: n, dimensions: dimensions, options: options)
            map = t.coordinates
            tsne = EmbedResult.TSNE(perplexity: options.perplexity, iterations: options.iterations, learningRate: t.learningRate,
                                    exaggeration: options.exaggeration, seed: options.seed, klDivergence: t.klDivergence)
        }
        let k = settings.neighbors
        let trust = try EmbeddingQuality.trustworthiness(original: features, dimensions: dimensions, embedded: map, embeddedDimensions: 2, k: k)
        let knn = EmbedResult.Neighbours(
            k: k, original: try EmbeddingQuality.knnAccuracy(features, dimensions: dimensions, labels: labels, k: k),
            embedded: try EmbeddingQuality.knnAccuracy(map, dimensions: 2, labels: labels, k: k))
        var counts = [Int](repeating: 0, count: data.classes.count)
        for l in labels where l >= 0 && l < counts.count { counts[l] += 1 }
        let result = EmbedResult(
            model: model.name, layer: layer, data: data.name, n: n, labels: data.labelled ? "data" : "predicted",
            classes: data.classes, features: kind, dimensions: dimensions, method: settings.method,
            explainedVariance: pca.explainedVarianceRatio, tsne: tsne, trustworthiness: trust, neighbors: knn,
            classCounts: counts, points: "embedding.csv", scatter: "scatter.svg")
        return EmbedLab(result: result, coordinates: map, labels: labels, thumbnails: thumbnails)
    }

    /// Each item's feature vector, concatenated, and which kind it is.
    static func vectors(_ a: Tensor, features: EmbedFeatures) throws -> ([Float], String) {
        let b = a.shape[0], size = a.count / Swift.max(b, 1)
        if a.rank == 4, features != .flatten {
            let (c, plane) = (a.shape[1], a.shape[2] * a.shape[3])
            let v = a.scalars
            var out = [Float](repeating: 0, count: b * c)
            for i in 0..<(b * c) {
                var s: Float = 0
                for p in 0..<plane { s += v[i * plane + p] }
                out[i] = s / Float(plane)
            }
            return (out, "channel-mean")
        }
        guard size >= 1 else { throw VisError.invalid("the layer's output is empty") }
        return (a.scalars, "flatten")
    }
}
