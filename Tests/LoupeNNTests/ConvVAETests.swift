import Foundation
import LoupeData
import LoupeTensor
import LoupeTesting
@testable import LoupeNN
import XCTest

/// fashion-vae: shapes, the reparameterization's gradient, the ELBO's parts against
/// independent arithmetic, a decoder that is a pure function of z (also after a
/// checkpoint round trip), and an ELBO that rises while it trains.
final class ConvVAETests: XCTestCase {
    func testShapesAndRange() throws {
        let vae = try ConvVAE(seed: 1)
        let x = try Tensor.randomUniform([3, 1, 28, 28], stream: RandomStream(seed: 2))
        let (mu, logVariance) = try vae.encode(x)
        XCTAssertEqual(mu.shape, [3, 16])
        XCTAssertEqual(logVariance.shape, [3, 16])
        let image = try vae.decode(mu)
        XCTAssertEqual(image.shape, [3, 1, 28, 28])
        XCTAssertTrue(image.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        // The model's forward pass is the reconstruction from μ, tapped layer by layer.
        let model = try Zoo.architecture("fashion-vae", seed: 1)
        XCTAssertEqual(try model.layers().map(\.name), ["conv1", "conv2", "mu", "fc", "deconv1", "deconv2", "sigmoid"])
        XCTAssertEqual(try model.layers().last?.shape, [1, 1, 28, 28])
        XCTAssertThrowsError(try vae.decode(Tensor.zeros([1, 15])))
        XCTAssertThrowsError(try vae.encode(Tensor.zeros([1, 1, 32, 32])))
    }

    func testReparameterizationGradient() throws {
        let noise = randomTensor([2, 5], seed: 3)
        try checkGradients([randomTensor([2, 5], seed: 4), randomTensor([2, 5], seed: 5, scale: 0.5)]) {
            try ConvVAE.reparameterize(mu: $0[0], logVariance: $0[1], noise: noise)
        }
        // ∂z/∂μ = 1 and ∂z/∂logVar = ½σε, by hand at μ = 1, logVar = 2 ln 2 (σ = 2), ε = 3.
        let mu = try Tensor(shape: [1, 1], scalars: [1]).requiringGrad()
        let logVariance = try Tensor(shape: [1, 1], scalars: [Float(2 * log(2.0))]).requiringGrad()
        let z = try ConvVAE.reparameterize(mu: mu, logVariance: logVariance, noise: Tensor(shape: [1, 1], scalars: [3]))
        XCTAssertEqual(try z.item, 7, accuracy: 1e-5)
        try z.sum().backward()
        XCTAssertEqual(try XCTUnwrap(mu.grad).scalars, [1])
        XCTAssertEqual(try XCTUnwrap(logVariance.grad).scalars[0], 3, accuracy: 1e-5)
    }

    /// The loss's terms recomputed from the decoder's probabilities in Double.
    func testNegativeELBOMatchesIndependentArithmetic() throws {
        let vae = try ConvVAE(seed: 6)
        let x = try Tensor.randomUniform([2, 1, 28, 28], stream: RandomStream(seed: 7))
        let stream = RandomStream(seed: 8)
        let loss = try vae.negativeELBO(x, stream: stream)
        let (mu, logVariance) = try vae.encode(x)
        let noise = try Tensor.randomNormal(mu.shape, stream: stream)
        var z = mu.scalars
        for i in z.indices { z[i] += Float(exp(0.5 * Double(logVariance.scalars[i]))) * noise.scalars[i] }
        let p = try vae.decode(Tensor(shape: mu.shape, scalars: z)).scalars
        var bce = 0.0
        for (pi, xi) in zip(p, x.scalars) { bce -= Double(xi) * log(Double(pi)) + Double(1 - xi) * log(Double(1 - pi)) }
        var kl = 0.0
        for (m, v) in zip(mu.scalars, logVariance.scalars) { kl += 0.5 * (Double(m * m) + exp(Double(v)) - 1 - Double(v)) }
        XCTAssertEqual(loss.reconstruction, bce / 2, accuracy: 1e-3 * bce)
        XCTAssertEqual(loss.kl, kl / 2, accuracy: 1e-4 * max(kl, 1))
        XCTAssertEqual(Double(try loss.total.item), loss.reconstruction + loss.kl, accuracy: 1e-3)
    }

    func testTheLossGradientReachesTheEncoderThroughTheSample() throws {
        let vae = try ConvVAE(latent: 2, seed: 9)
        vae.setTrainable(true)
        let x = try Tensor.randomUniform([2, 1, 28, 28], stream: RandomStream(seed: 10))
        try vae.negativeELBO(x, stream: RandomStream(seed: 11)).total.backward()
        for name in ["conv1.weight", "mu.weight", "logvar.weight", "deconv2.weight"] {
            let g = try XCTUnwrap(vae.namedParameters().first { $0.0 == name }?.1.value.grad, name)
            XCTAssertGreaterThan(g.scalars.map(abs).max() ?? 0, 0, name)
        }
    }

    func testDecodingIsDeterministicAcrossACheckpoint() throws {
        let model = try Zoo.architecture("fashion-vae", seed: 12)
        let vae = try XCTUnwrap(model.network as? ConvVAE)
        let z = randomTensor([4, 16], seed: 13)
        let first = try Image.images(from: try vae.decode(z)).map { try $0.pngData() }
        let second = try Image.images(from: try vae.decode(z)).map { try $0.pngData() }
        XCTAssertEqual(first, second)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vae-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("vae.safetensors").path
        let info = TrainedModelFile(architecture: "fashion-vae", spec: nil, preset: model.preset, config: Trainer.Config(),
                                    adversarial: nil, data: "fashion-mnist", history: [])
        try info.save(model: model, optimizerState: [:], to: path)
        let loaded = try XCTUnwrap(try TrainedModelFile.load(path: path).network as? ConvVAE)
        XCTAssertEqual(try vae.decode(z).scalars.map(\.bitPattern), try loaded.decode(z).scalars.map(\.bitPattern))
        XCTAssertEqual(try Image.images(from: try loaded.decode(z)).map { try $0.pngData() }, first)
    }

    /// The CI training test: on 1,000 images the ELBO rises epoch over epoch and on held-out images.
    func testELBORisesDuringTraining() throws {
        let train = try FashionMNIST.train.get().prefix(1000)
        let heldOut = try FashionMNIST.test.get().prefix(500)
        let model = try Zoo.architecture("fashion-vae", seed: 14)
        let vae = try XCTUnwrap(model.network as? ConvVAE)
        let before = try Trainer.Objective.meanNegativeELBO(vae, on: heldOut)
        var config = Trainer.Config()
        (config.epochs, config.batchSize, config.seed) = (3, 32, 14)
        let trainer = Trainer(model: model, config: config)
        XCTAssertFalse(trainer.objective.classifies)
        let results = try trainer.train(on: train, validation: heldOut)
        XCTAssertEqual(results.map(\.epoch), [1, 2, 3])
        XCTAssertTrue(results.allSatisfy { $0.accuracy == nil && $0.testAccuracy == nil })
        let losses = results.map(\.loss)
        XCTAssertLessThan(losses[1], losses[0], "\(losses)")
        XCTAssertLessThan(losses[2], losses[1], "\(losses)")
        let held = results.compactMap(\.testLoss)
        XCTAssertEqual(held.count, 3)
        XCTAssertLessThan(held[2], before - 50, "held-out −ELBO \(before) → \(held)")
        XCTAssertTrue(model.network.namedParameters().allSatisfy { !$0.1.value.requiresGrad })
    }
}
