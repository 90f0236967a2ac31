import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// The probe lab (Alain & Bengio 2016, with Hewitt & Liang's 2019 controls): for each
/// layer, a linear probe trained on the train split's features and judged on held-out
/// images, beside the same probe on control labels and on the randomly initialised
/// network's layer.
public enum ProbeLab {
    /// The images a probe trains and is judged on.
    struct Splits {
        let train: ActivationData
        let test: ActivationData
    }

    public static func run(model: Model, settings: ProbeSettings,
                           progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> ProbeResult {
        try settings.validate()
        let taps = try model.layers().map(\.name)
        let layers = try settings.layers.lowercased() == "all" ? taps
            : settings.layers.split(separator: ",").map { try model.resolveLayer($0.trimmingCharacters(in: .whitespaces)) }
        let splits = try splits(settings, model: model)
        let (train, test) = (splits.train, splits.test)
        guard let trainLabels = train.labels, let testLabels = test.labels else { throw VisError.invalid("a probe needs labelled data") }
        let k = train.classes.count
        guard k >= 2 else { throw VisError.invalid("\(train.name) has \(k) class: a probe needs at least 2") }

        let random: Model?, randomNote: String
        if settings.randomNetwork, Zoo.architectures[model.name.lowercased()] != nil {
            random = try Zoo.architecture(model.name, seed: settings.seed &+ 1)
            randomNote = "\(model.name), seed \(settings.seed &+ 1)"
        } else {
            random = nil
            randomNote = settings.randomNetwork ? "none: \(model.name) is not a zoo architecture" : "not asked (--no-random-network)"
        }
        let passes = (random == nil ? 1 : 2) * (train.count + test.count)
        var done = 0
        func collect(_ m: Model, _ data: ActivationData) throws -> [FeatureMatrix] {
            let before = done
            let out = try LayerActivations.collect(model: m, data: data, layers: layers, features: settings.features,
                                                   batchSize: settings.batchSize, progress: { d, _ in progress(before + d, passes) })
            done += data.count
            return out
        }
        let trainFeatures = try collect(model, train), testFeatures = try collect(model, test)
        let randomTrain = try random.map { try collect($0, train) }, randomTest = try random.map { try collect($0, test) }

        let controlTrain = ControlTask.labels(count: train.count, classes: k, seed: settings.seed, split: .train)
        let controlTest = ControlTask.labels(count: test.count, classes: k, seed: settings.seed, split: .test)
        func fit(_ tr: FeatureMatrix, _ te: FeatureMatrix, _ ytr: [Int], _ yte: [Int]) throws -> ProbeResult.Fit {
            let probe = try LogisticRegression(features: tr.values, count: tr.count, dimensions: tr.dimensions, labels: ytr,
                                               classes: k, l2: settings.l2, tolerance: settings.tolerance,
                                               maxIterations: settings.maxIterations)
            return ProbeResult.Fit(accuracy: try probe.accuracy(te.values, count: te.count, labels: yte),
                                   trainAccuracy: try probe.accuracy(tr.values, count: tr.count, labels: ytr),
                                   iterations: probe.iterations, converged: probe.converged)
        }
        // Every fit is independent: run them on the policy's workers, largest first (a
        // flattened conv stage costs more than all the others together), each fit a job.
        enum Task: Int, CaseIterable { case probe, control, random }
        var jobs: [(layer: Int, task: Task)] = []
        for i in layers.indices {
            jobs.append((i, .probe))
            if settings.control { jobs.append((i, .control)) }
            if random != nil { jobs.append((i, .random)) }
        }
        jobs.sort { trainFeatures[$0.layer].dimensions > trainFeatures[$1.layer].dimensions }
        let fits = try ParallelJobs.run(jobs.count) { j -> ProbeResult.Fit in
            let (i, task) = jobs[j]
            switch task {
            case .probe: return try fit(trainFeatures[i], testFeatures[i], trainLabels, testLabels)
            case .control: return try fit(trainFeatures[i], testFeatures[i], controlTrain, controlTest)
            case .random: return try fit(randomTrain![i], randomTest![i], trainLabels, testLabels)
            }
        }
        func result(_ i: Int, _ task: Task) -> ProbeResult.Fit? {
            jobs.firstIndex { $0.layer == i && $0.task == task }.map { fits[$0] }
        }
        var rows: [ProbeResult.Layer] = []
        for (i, layer) in layers.enumerated() {
            let tr = trainFeatures[i]
            guard let probe = result(i, .probe) else { continue }
            let control = result(i, .control)
            rows.append(ProbeResult.Layer(layer: layer, depth: taps.firstIndex(of: layer) ?? i, features: tr.kind,
                                          dimensions: tr.dimensions, probe: probe, control: control,
                                          selectivity: control.map { probe.accuracy - $0.accuracy }, randomNetwork: result(i, .random)))
        }
        var counts = [Int](repeating: 0, count: k)
        for l in trainLabels { counts[l] += 1 }
        let majority = counts.indices.max { counts[$0] < counts[$1] } ?? 0
        let chance = Double(testLabels.filter { $0 == majority }.count) / Double(test.count)
        let best = rows.max { $0.probe.accuracy < $1.probe.accuracy }
        return ProbeResult(model: model.name, data: settings.data, train: .init(source: train.name, n: train.count),
                           test: .init(source: test.name, n: test.count), classes: train.classes, chance: chance,
                           l2: settings.l2, seed: settings.seed, randomNetwork: randomNote, layers: rows,
                           bestLayer: best?.layer ?? "", bestAccuracy: best?.probe.accuracy ?? 0, plot: "accuracy.svg")
    }

    /// The train and test splits `--data` names; a set without splits (an image folder, or
    /// one split named explicitly) is divided by index, every fifth image held out.
    static func splits(_ settings: ProbeSettings, model: Model) throws -> Splits {
        let train = try ActivationData.named(settings.data, model: model, limit: nil, defaultSplit: "train")
        let test = try ActivationData.named(settings.data, model: model, limit: nil, defaultSplit: "test", classes: train.classes)
        if train.name != test.name {
            return Splits(train: train.subset(Array(0..<Swift.min(train.count, settings.trainLimit ?? train.count))),
                          test: test.subset(Array(0..<Swift.min(test.count, settings.limit ?? test.count))))
        }
        let held = Array(stride(from: 4, to: train.count, by: 5)), kept = (0..<train.count).filter { $0 % 5 != 4 }
        guard !held.isEmpty, kept.count >= 2 else { throw VisError.invalid("\(train.name) holds \(train.count) images: too few to split for a probe") }
        return Splits(train: train.subset(Array(kept.prefix(settings.trainLimit ?? kept.count)), name: train.name + " (4 of 5)"),
                      test: test.subset(Array(held.prefix(settings.limit ?? held.count)), name: test.name + " (every 5th)"))
    }
}
