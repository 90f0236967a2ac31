import Foundation
import LoupeAttack
import LoupeData
import LoupeNN
import LoupeTensor
import LoupeVis

/// The workloads that evaluate a trained fashion-cnn rather than time one layer: AutoAttack
/// against torchattacks (W7) and t-SNE of its penultimate layer against scikit-learn and
/// openTSNE (W8). Both twins load the same checkpoint, so they attack and embed the same
/// network; on fresh weights the note says so.
extension WorkloadBench {
    static func fashionCNN(_ path: String?) throws -> (Model, String) {
        guard let path else { return (try Zoo.architecture("fashion-cnn", seed: 0), "random weights") }
        return (try Zoo.load(path), URL(fileURLWithPath: path).lastPathComponent)
    }

    /// AutoAttack's standard version (APGD-CE 100 steps, APGD-T and FAB-T at 9 targets with
    /// 100 steps, Square 5,000 queries; each member on the samples the ones before left
    /// correct) at L∞ ε = 0.1 on the first `images` Fashion-MNIST test images, batch 250.
    static func autoAttack(images count: Int, model path: String?) throws -> Built {
        let data = try fashionMNIST("test", count: count)
        let (model, note) = try fashionCNN(path)
        let attacker = try Attacker(model: model, config: AttackConfig(method: .autoattack, eps: 0.1))
        func attack(_ n: Int) throws {
            try inBatches(of: 250, n) { indices in
                let (x, labels) = try data.batch(indices)
                _ = try attacker.run(x, labels: labels, sampleIDs: indices)
            }
        }
        return Built(warmUp: { try attack(min(16, data.count)) }, run: { try attack(data.count) }, images: data.count,
                     note: note)
    }

    /// Barnes–Hut t-SNE (perplexity 30, 1,000 iterations, θ 0.5, seeded random start) of the
    /// 128 penultimate activations (after the hidden layer's ReLU, layer "8") of `points` test
    /// images. Only the t-SNE is timed.
    static func tsne(points count: Int, model path: String?) throws -> Built {
        let data = try fashionMNIST("test", count: count)
        let (model, note) = try fashionCNN(path)
        var features: [Float] = []
        features.reserveCapacity(count * 128)
        try inBatches(of: 500, data.count) { indices in
            let (x, _) = try data.batch(indices)
            let pass = try Autograd.noGrad { try model.forward(x, recording: ["8"], stopAfter: "8") }
            guard let a = pass["8"], a.shape.count == 2, a.shape[1] == 128 else {
                throw ModelError.invalid("fashion-cnn's layer 8 is not 128 features")
            }
            features += a.scalars
        }
        let n = data.count
        let body = { _ = try TSNE(features, count: n, dimensions: 128) }
        return Built(warmUp: { _ = try TSNE(Array(features.prefix(200 * 128)), count: 200, dimensions: 128) },
                     run: body, images: n, note: note)
    }
}
