import Foundation
import LoupeNN
import LoupeTensor

/// Class prototypes under a learned generator prior (Nguyen et al. 2016): instead of
/// pixels, optimize the code z of a trained VAE's decoder so that decoder(z) maximizes
/// the objective, with a small L2 penalty λ‖z‖² keeping z where the prior N(0, I) puts
/// its mass. The image can only be something the decoder draws, so it looks like data
/// rather than the high-frequency texture a free pixel optimization finds.
public struct GeneratorPrior {
    public let vae: ConvVAE
    /// The checkpoint it came from, and the data (and `--limit`) it was trained on.
    public let path: String
    public let trainingData: String
    public let trainingLimit: Int?

    /// Optimization settings; the defaults reach a confident class in a few hundred steps.
    public struct Settings: Codable, Sendable, Equatable {
        public var steps = 300
        public var lr: Float = 0.05
        /// λ of the λ‖z‖² penalty per image.
        public var l2: Float = 0.01
        public var seed: UInt64 = 0
        public init() {}

        public func validate() throws {
            if steps < 1 { throw VisError.invalid("--prior-steps must be at least 1") }
            if !(lr > 0 && lr.isFinite) { throw VisError.invalid("--prior-lr must be a positive number") }
            if !(l2 >= 0 && l2.isFinite) { throw VisError.invalid("--prior-l2 must be a number ≥ 0") }
        }
    }

    /// The optimized codes and images, and each item's objective per step.
    public struct Run {
        /// [K, latent] and the decoded [K, 1, 28, 28] in [0, 1].
        public let codes, images: Tensor
        public let objectivePerStep: [[Float]]
    }

    /// Loads a `loupe train --arch fashion-vae` checkpoint; anything else is an error naming the file.
    public static func load(path: String, limits: ResourceLimits = .default) throws -> GeneratorPrior {
        guard FileManager.default.fileExists(atPath: path) else { throw VisError.invalid("--prior \(path): no such file") }
        let model: Model, info: TrainedModelFile
        do {
            info = try TrainedModelFile.readSidecar(for: path)
            model = try TrainedModelFile.load(path: path, limits: limits)
        } catch {
            throw VisError.invalid("--prior \(path): not a generator checkpoint (\(error))")
        }
        guard let vae = model.network as? ConvVAE else {
            throw VisError.invalid("--prior \(path) holds a \(model.name), not a generator: train one with "
                                   + "`loupe train --data fashion-mnist --arch fashion-vae --out FILE.safetensors`")
        }
        vae.setTrainable(false)
        return GeneratorPrior(vae: vae, path: path, trainingData: info.data ?? "fashion-mnist", trainingLimit: info.limit)
    }

    /// Optimizes one code per objective (item i maximizes objectives[i] on decoder(z_i)),
    /// starting from z ~ N(0, I) drawn from (seed, item).
    public func run(
        model: Model, objectives: [Objective], settings: Settings, progress: (_ step: Int, _ objective: Float) -> Void = { _, _ in }
    ) throws -> Run {
        try settings.validate()
        let size = ConvVAE.imageSize
        guard model.preset.channels == 1, model.preset.inputSize == size else {
            throw VisError.invalid("the generator draws 1×\(size)×\(size) images but \(model.name) takes "
                                   + "\(model.preset.channels)×\(model.preset.inputSize)×\(model.preset.inputSize)")
        }
        guard !objectives.isEmpty else { throw VisError.invalid("no objective to visualize") }
        let k = objectives.count
        let start = try Tensor.concat((0..<k).map { i in
            try Tensor.randomNormal([1, vae.latent], stream: RandomStream(seed: settings.seed, key: [0x2C0DE, UInt64(i)]))
        }, axis: 0)
        let z = Parameter(start.requiringGrad())
        let optimizer = Adam([z], learningRate: settings.lr)
        let layers = objectives.reduce(into: Set<String>()) { $0.formUnion($1.layers) }
        var history = [[Float]](repeating: [], count: k)
        for step in 1...settings.steps {
            optimizer.zeroGrad([z])
            let pass = try model.forward(try vae.decode(z.value), recording: layers)
            var total = Tensor(0)
            for (i, objective) in objectives.enumerated() {
                let v = try objective.value(pass, item: i)
                history[i].append(try v.item)
                total = try total + v
            }
            // Adam minimizes: descend −objective + λ‖z‖² (summed over the items).
            let penalty = try (z.value * z.value).sum() * settings.l2
            try (penalty - total).backward()
            try optimizer.step()
            progress(step, history.map { $0.last ?? 0 }.reduce(0, +) / Float(k))
        }
        let codes = z.value.detached
        return Run(codes: codes, images: try Autograd.noGrad { try vae.decode(codes) }, objectivePerStep: history)
    }
}
