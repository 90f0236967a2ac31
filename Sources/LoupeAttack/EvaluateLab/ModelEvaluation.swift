import LoupeData
import LoupeNN
import LoupeTensor

/// A model's accuracy on a data set, each batch attacked first when the settings name an
/// attack; the confusion matrices of both the clean and the attacked images are kept.
public struct ModelEvaluation {
    /// An image the model got wrong (the attacked image when there was an attack).
    public struct Mistake {
        public let index: Int
        public let image: Tensor
        public let truth: Int
        public let predicted: Int
    }

    public let result: EvaluateResult
    /// The clean images' numbers (the same as `result`'s without an attack).
    public let clean: Evaluation
    /// The first mistakes in data order, for the report.
    public let mistakes: [Mistake]

    /// Mistakes kept for the report's picture.
    static let shownMistakes = 40

    /// Evaluates `model` on the settings' data; `progress` hears the images done so far.
    public static func run(model: Model, settings: EvaluateSettings, progress: (Int, Int) -> Void = { _, _ in }) throws -> ModelEvaluation {
        try settings.validate()
        let p = model.preset
        let dataset = try DatasetSpec.load(settings.data, defaultSplit: "test", size: p.inputSize, channels: p.channels,
                                           classes: p.labels).prefix(settings.limit)
        guard dataset.channels == p.channels, dataset.height == p.inputSize, dataset.width == p.inputSize else {
            throw AttackError.invalid("\(model.name) takes \(p.channels)×\(p.inputSize)×\(p.inputSize) images but \(dataset.source) has \(dataset.channels)×\(dataset.height)×\(dataset.width)")
        }
        let attacker = try settings.attack.map { try Attacker(model: model, config: $0.config) }
        let k = dataset.classes.count
        var clean = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var attacked = clean
        var mistakes: [Mistake] = []
        var broke = [String: Int](), queries = 0
        var start = 0
        while start < dataset.count {
            let indices = Array(start..<min(start + settings.batchSize, dataset.count))
            let (images, labels) = try dataset.batch(indices)
            let logits = try model.logits(images)
            guard logits.rank == 2, logits.shape[1] == k else {
                throw AttackError.invalid("\(model.name) outputs \(logits.shape.dropFirst().map(String.init).joined(separator: "×")) values per image but \(dataset.source) has \(k) classes")
            }
            let predictions = try logits.argmax()
            for (p, l) in zip(predictions, labels) { clean[l][p] += 1 }
            var shown = images, final = predictions
            if let attacker {
                let outcome = try attacker.run(images, labels: labels, sampleIDs: indices)
                for (p, l) in zip(outcome.predictions, labels) { attacked[l][p] += 1 }
                for (b, member) in outcome.brokenBy.enumerated() where predictions[b] == labels[b] {
                    if let member { broke[member, default: 0] += 1 }
                }
                queries += outcome.queries.reduce(0, +)
                (shown, final) = (outcome.adversarial, outcome.predictions)
            }
            for (b, (p, l)) in zip(final, labels).enumerated() where p != l && mistakes.count < shownMistakes {
                mistakes.append(Mistake(index: indices[b], image: try shown.narrowed(axis: 0, start: b, length: 1), truth: l, predicted: p))
            }
            start += settings.batchSize
            progress(min(start, dataset.count), dataset.count)
        }
        let cleanEval = Evaluation(confusion: clean, classes: dataset.classes)
        let eval = attacker == nil ? cleanEval : Evaluation(confusion: attacked, classes: dataset.classes)
        let method = attacker?.config.method
        let cascade = method.map { $0.members.map { RobustnessResult.Member(attack: $0.name, broke: broke[$0.name] ?? 0) } } ?? []
        let spends = method.map { m in m.blackBox || m.members.contains { $0.method.blackBox } } ?? false
        let result = EvaluateResult(
            accuracy: eval.accuracy, n: eval.n, perClass: eval.perClass, confusion: eval.confusion,
            cleanAccuracy: attacker == nil ? nil : cleanEval.accuracy, attack: attacker.map { .init($0.config) },
            members: cascade.isEmpty ? nil : cascade, queriesSpent: spends ? queries : nil,
            classes: dataset.classes, model: model.name, data: dataset.source)
        return ModelEvaluation(result: result, clean: cleanEval, mistakes: mistakes)
    }

    /// "APGD-CE broke 812, APGD-T 9 more, FAB-T 0 more, Square 1 more" for a cascade.
    public var contributions: String? {
        guard let members = result.members, let cascade = result.attack?.method.members, !members.isEmpty else { return nil }
        let titles = Dictionary(uniqueKeysWithValues: cascade.map { ($0.name, $0.title) })
        return members.enumerated().map { k, m in
            k == 0 ? "\(titles[m.attack] ?? m.attack) broke \(m.broke)" : "\(titles[m.attack] ?? m.attack) \(m.broke) more"
        }.joined(separator: ", ")
    }

    /// The accuracy line and one line per class, as the command prints them.
    public var summary: String {
        let r = result
        var lines = [String(format: "accuracy %.2f%% on %d images of %@", r.accuracy * 100, r.n, r.data ?? "")
            + (r.attack.map { String(format: " under %@ (clean %.2f%%)", $0.method.rawValue, clean.accuracy * 100) } ?? "")]
        if let line = contributions { lines.append(line) }
        if let q = r.queriesSpent { lines.append("\(q) model queries") }
        for (name, acc) in zip(r.classes ?? [], r.perClass) { lines.append(String(format: "  %6.2f%%  %@", acc * 100, name)) }
        return lines.joined(separator: "\n")
    }
}
