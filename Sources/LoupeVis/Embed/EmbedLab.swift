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
        let data = try ActivationData.named(settings.data, model: model, limit: settings.limit)
        let n = data.count
        guard n > 2 * settings.neighbors else {
            throw VisError.invalid("\(n) images are too few for --neighbors \(settings.neighbors): give more than \(2 * settings.neighbors)")
        }
        var predicted: [Int] = [], thumbnails: [Image] = []
        let matrix = try LayerActivations.collect(
            model: model, data: data, layers: [layer], features: settings.features, batchSize: settings.batchSize,
            needsLogits: !data.labelled, each: { images, pass in
                if !data.labelled, let logits = pass.output { predicted += try logits.argmax() }
                for image in try Image.images(from: images) {
                    let side = Swift.max(image.width, image.height)
                    thumbnails.append(side <= thumbnailSide ? image
                                      : try image.resized(width: image.width * thumbnailSide / side, height: image.height * thumbnailSide / side))
                }
            }, progress: progress)[0]
        let (features, dimensions, kind) = (matrix.values, matrix.dimensions, matrix.kind)
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
}
