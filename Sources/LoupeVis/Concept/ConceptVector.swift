/// A concept activation vector: the normal, in the layer's raw activation units, of a
/// logistic regression that tells `positive` activations from `negative` ones, pointing
/// toward `positive`. Every fourth image of each set is held out to measure how well the
/// two are separated (a CAV that cannot separate them points nowhere in particular).
struct ConceptVector {
    let direction: [Double]
    let heldOutAccuracy: Double

    init(positive: FeatureMatrix, negative: FeatureMatrix, l2: Double) throws {
        let d = positive.dimensions
        guard d == negative.dimensions, d >= 1 else { throw VisError.invalid("a CAV needs two sets of the same layer's activations") }
        var train: [Float] = [], held: [Float] = [], yTrain: [Int] = [], yHeld: [Int] = []
        for (set, label) in [(negative, 0), (positive, 1)] {
            for i in 0..<set.count {
                let row = set.values[(i * d)..<((i + 1) * d)]
                if i % 4 == 3 { held += row; yHeld.append(label) } else { train += row; yTrain.append(label) }
            }
        }
        let model = try LogisticRegression(features: train, count: yTrain.count, dimensions: d, labels: yTrain, classes: 2, l2: l2)
        direction = model.direction(from: 0, to: 1)
        heldOutAccuracy = yHeld.isEmpty ? .nan : try model.accuracy(held, count: yHeld.count, labels: yHeld)
    }

    /// The fraction of rows of `gradients` (one per class image) with a positive
    /// directional derivative along the CAV.
    func tcavScore(_ gradients: FeatureMatrix) throws -> Double {
        let d = direction.count
        guard gradients.dimensions == d, gradients.count >= 1 else { throw VisError.invalid("gradients and CAV differ in size") }
        var positive = 0
        for i in 0..<gradients.count {
            var s = 0.0
            for j in 0..<d { s += Double(gradients.values[i * d + j]) * direction[j] }
            if s > 0 { positive += 1 }
        }
        return Double(positive) / Double(gradients.count)
    }
}
