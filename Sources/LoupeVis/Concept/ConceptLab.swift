import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// Testing with concept activation vectors (Kim et al. 2018). A CAV is the normal of a
/// linear classifier that separates a concept's activations at a layer from a random set's;
/// the TCAV score is the fraction of a class's images whose class logit has a positive
/// directional derivative along it. One CAV per random set gives a score distribution,
/// tested (Welch, two-sided) against the scores of random-vs-random CAVs: a concept that
/// matters scores apart from what chance directions score.
public struct ConceptLab {
    public var result: ConceptResult
    /// The first images of each concept and of the first random set, as the model sees them.
    public let samples: [(name: String, images: [Image])]

    public static func run(model: Model, settings: ConceptSettings,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> ConceptLab {
        try settings.validate()
        let side = model.preset.inputSize
        let concepts = try settings.concepts.map { try ConceptSet.concept($0, count: settings.setSize, side: side, seed: settings.seed) }
        let randoms = try (0..<settings.randomSetCount).map { i in
            try ConceptSet.random(settings.random.count == 1 ? settings.random[0] : settings.random[i], set: i,
                                count: settings.setSize, side: side, seed: settings.seed)
        }
        let (c, className) = try resolveClass(settings.className, labels: model.preset.labels)
        let spec = settings.data ?? (model.preset.channels == 1 ? "fashion-mnist:test" : "photos")
        let all = try ActivationData.named(spec, model: model, limit: nil, defaultSplit: "test")
        var classData = all
        if let labels = all.labels {
            // The data's classes are its own: find the model's class among them by name.
            guard let k = all.classes.firstIndex(where: { $0.lowercased() == className.lowercased() }) else {
                throw VisError.invalid("\(all.name) has no class named '\(className)' (its classes: \(all.classes.prefix(12).joined(separator: ", ")))")
            }
            let chosen = labels.indices.filter { labels[$0] == k }.prefix(settings.limit)
            guard !chosen.isEmpty else { throw VisError.invalid("\(all.name) holds no image of class \(c) (\(className))") }
            classData = all.subset(Array(chosen), name: "\(all.name), class \(className)")
        } else {
            classData = all.subset(Array(0..<Swift.min(all.count, settings.limit)))
        }
        return try run(model: model, settings: settings, concepts: concepts, randoms: randoms, classIndex: c,
                       classData: classData, progress: progress)
    }

    /// The test itself, on given image sets and class images.
    static func run(model: Model, settings: ConceptSettings, concepts: [ConceptSet], randoms: [ConceptSet], classIndex c: Int,
                    classData: ActivationData, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> ConceptLab {
        let layer = try model.resolveLayer(settings.layer)
        guard c >= 0, c < model.preset.labels.count else { throw VisError.invalid("class \(c) is outside the model's \(model.preset.labels.count) classes") }
        let sets = concepts + randoms
        let total = sets.reduce(classData.count) { $0 + $1.images.count }
        var done = 0
        func activations(_ set: ConceptSet) throws -> FeatureMatrix {
            let data = ActivationData.images(set.images, name: set.name, model: model)
            let m = try LayerActivations.collect(model: model, data: data, layers: [layer], features: .flatten,
                                                 batchSize: settings.batchSize)[0]
            done += set.images.count
            progress(done, total)
            return m
        }
        let conceptActs = try concepts.map(activations), randomActs = try randoms.map(activations)
        let gradients = try classGradients(model: model, data: classData, layer: layer, classIndex: c, batchSize: settings.batchSize) {
            progress(done + $0, total)
        }
        guard gradients.dimensions == randomActs[0].dimensions else {
            throw VisError.invalid("the gradient at \(layer) has \(gradients.dimensions) values, its activation \(randomActs[0].dimensions)")
        }

        func score(_ positive: FeatureMatrix, against negative: FeatureMatrix) throws -> (score: Double, accuracy: Double) {
            let cav = try ConceptVector(positive: positive, negative: negative, l2: settings.l2)
            return (try cav.tcavScore(gradients), cav.heldOutAccuracy)
        }
        let k = randomActs.count
        let reference = try (0..<k).map { try score(randomActs[$0], against: randomActs[($0 + 1) % k]) }
        let randomScores = reference.map(\.score)
        let threshold = settings.alpha / Double(concepts.count)
        let rows = try zip(concepts, conceptActs).map { set, acts -> ConceptResult.Concept in
            let runs = try randomActs.map { try score(acts, against: $0) }
            let scores = runs.map(\.score)
            let test = try WelchTTest(scores, randomScores)
            return ConceptResult.Concept(name: set.name, source: set.source, n: set.images.count, scores: scores,
                                         mean: mean(scores), std: standardDeviation(scores), cavAccuracy: mean(runs.map(\.accuracy)),
                                         test: test, significant: test.p < threshold)
        }
        var notes: [String] = []
        if concepts.count > 1 {
            notes.append("Bonferroni: \(concepts.count) concepts are tested, so each is significant only at p < \(settings.alpha)/\(concepts.count) = "
                         + String(format: "%.4g", threshold) + ".")
        }
        if k < 10 { notes.append("Only \(k) random sets: Kim et al. use at least 10; the test has little power.") }
        let result = ConceptResult(
            model: model.name, layer: layer, dimensions: gradients.dimensions,
            classImages: .init(index: c, name: model.preset.labels[c], source: classData.name, n: classData.count),
            randomSets: randoms.map(\.source), setSize: settings.setSize, randomScores: randomScores, randomMean: mean(randomScores),
            randomCAVAccuracy: mean(reference.map(\.accuracy)), l2: settings.l2, alpha: settings.alpha, threshold: threshold,
            seed: settings.seed, concepts: rows, notes: notes, plot: "scores.svg", sets: "sets.png")
        let shown = 8
        let samples = try (concepts + randoms.prefix(1)).map { set in
            (set.name, try Image.images(from: try Tensor.concat(set.images.prefix(shown).map { try model.input(from: $0) }, axis: 0)))
        }
        return ConceptLab(result: result, samples: samples)
    }

    /// d logit[c] / d activation at `layer` for every image, one row each.
    static func classGradients(model: Model, data: ActivationData, layer: String, classIndex c: Int, batchSize: Int,
                               progress: (Int) -> Void) throws -> FeatureMatrix {
        var rows: [Float] = [], start = 0
        while start < data.count {
            let indices = Array(start..<Swift.min(start + batchSize, data.count))
            let step = try model.inputGradient(try data.load(indices), recording: [layer]) { pass in
                guard let logits = pass.output else { throw VisError.invalid("\(model.name) produced no logits") }
                // Summing over the batch keeps each image's gradient its own.
                return try logits.narrowed(axis: 1, start: c, length: 1).sum()
            }
            guard let g = step.tapGradients[layer] else { throw VisError.invalid("no gradient reached \(layer)") }
            rows += g.scalars
            start += indices.count
            progress(start)
        }
        return FeatureMatrix(layer: layer, values: rows, count: data.count, dimensions: rows.count / Swift.max(data.count, 1), kind: "flatten")
    }

    /// The class `name` among `labels`: its exact name (any case) or its index.
    static func resolveClass(_ name: String, labels: [String]) throws -> (Int, String) {
        if let i = labels.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return (i, labels[i]) }
        if let i = Int(name), i >= 0, i < labels.count { return (i, labels[i]) }
        let near = labels.filter { $0.lowercased().contains(name.lowercased()) }.prefix(5)
        throw VisError.invalid("unknown class '\(name)'" + (near.isEmpty ? " (give a name or an index below \(labels.count))" : "; did you mean: " + near.joined(separator: ", ")))
    }

    static func mean(_ x: [Double]) -> Double { x.isEmpty ? 0 : x.reduce(0, +) / Double(x.count) }

    /// Sample standard deviation (n − 1).
    static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }
}
