import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor

/// The pixel (or Fourier) prototype of each objective beside its generator-prior
/// prototype: what result.json holds under `prior`. Class probabilities here are the
/// model's softmax on the image as it is (no transforms), and distances are L2 in [0, 1]
/// pixels to the nearest image the generator was trained on.
public struct PriorComparison: Codable, Sendable, Equatable {
    public struct Prototype: Codable, Sendable, Equatable {
        public var image: String
        /// The objective on the image as it is.
        public var objective: Float
        @EncodedNull public var classProbability: Float?
        public var nearestIndex: Int
        public var nearestDistance: Float
        public var nearestImage: String

        enum CodingKeys: String, CodingKey {
            case image, objective
            case classProbability = "class_probability", nearestIndex = "nearest_index"
            case nearestDistance = "nearest_distance", nearestImage = "nearest_image"
        }
    }

    public struct Pair: Codable, Sendable, Equatable {
        public var objective: String
        public var pixel: Prototype
        public var prior: Prototype
        /// ‖z‖ of the optimized code (about √latent for a typical draw of the prior).
        public var latentNorm: Float
        public var objectivePerStep: [Float]

        enum CodingKeys: String, CodingKey {
            case objective, pixel, prior
            case latentNorm = "latent_norm", objectivePerStep = "objective_per_step"
        }
    }

    /// The VAE checkpoint, its latent size and the optimization's settings.
    public var generator: String
    public var latent: Int
    public var settings: GeneratorPrior.Settings
    /// The data searched for nearest images (the generator's training data) and its size.
    public var searched: String
    public var searchedCount: Int
    public var pairs: [Pair]

    enum CodingKeys: String, CodingKey {
        case generator, latent, settings, searched, pairs
        case searchedCount = "searched_count"
    }
}

/// A generator-prior run with the images the report draws.
public struct PriorPrototypes {
    public var comparison: PriorComparison
    /// [K, 1, 28, 28]: the pixel prototypes as compared (resized to the generator's size),
    /// the prior's, and the nearest training image of each.
    public let pixelImages, priorImages, nearestToPixel, nearestToPrior: Tensor

    /// Runs the latent optimization for `objectives` and compares its images with the
    /// pixel prototypes `pixels` ([K, 1, S, S] in [0, 1]).
    static func make(
        model: Model, objectives: [Objective], pixels: Tensor, prior: GeneratorPrior, settings: GeneratorPrior.Settings,
        note: (String) -> Void, progress: (Int, Float) -> Void
    ) throws -> PriorPrototypes {
        let run = try prior.run(model: model, objectives: objectives, settings: settings, progress: progress)
        let size = ConvVAE.imageSize
        let pixelImages = pixels.shape[2] == size && pixels.shape[3] == size ? pixels : try pixels.resizedBilinear(height: size, width: size)
        let data = try DatasetSpec.load(prior.trainingData, defaultSplit: "train", size: size, channels: 1).prefix(prior.trainingLimit)
        note("comparing with the nearest of \(data.count) images of \(data.source), the generator's training data")
        let visualizer = Visualizer(model: model)

        func prototypes(_ images: Tensor, prefix: String) throws -> (records: [PriorComparison.Prototype], nearest: Tensor) {
            let values = try visualizer.evaluate(objectives, on: images)
            let probabilities = try Autograd.noGrad { try model.logits(images).softmax(axis: 1) }
            let classes = probabilities.shape[1]
            let matches = try NearestImage.search(images, in: data)
            let records = objectives.indices.map { i in
                PriorComparison.Prototype(
                    image: String(format: "\(prefix)-%02d.png", i), objective: values[i],
                    classProbability: objectives[i].targetClass.map { probabilities.scalars[i * classes + $0] },
                    nearestIndex: matches[i].index, nearestDistance: matches[i].distance,
                    nearestImage: String(format: "\(prefix)-nearest-%02d.png", i))
            }
            return (records, try data.batch(matches.map(\.index)).images)
        }
        let (pixel, nearestToPixel) = try prototypes(pixelImages, prefix: "pixel")
        let (generated, nearestToPrior) = try prototypes(run.images, prefix: "prior")
        let norms = try (run.codes * run.codes).sum(axes: [1]).scalars.map { $0.squareRoot() }
        let pairs = objectives.indices.map { i in
            PriorComparison.Pair(objective: objectives[i].description, pixel: pixel[i], prior: generated[i], latentNorm: norms[i],
                                 objectivePerStep: run.objectivePerStep[i])
        }
        let comparison = PriorComparison(generator: prior.path, latent: prior.vae.latent, settings: settings,
                                         searched: data.source, searchedCount: data.count, pairs: pairs)
        return PriorPrototypes(comparison: comparison, pixelImages: pixelImages, priorImages: run.images,
                               nearestToPixel: nearestToPixel, nearestToPrior: nearestToPrior)
    }
}
