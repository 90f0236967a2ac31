import LoupeData
import LoupeTensor

extension Trainer {
    /// What a batch is trained to minimize and what an epoch measures on held-out data:
    /// cross-entropy and accuracy for a classifier, the negative ELBO for a VAE.
    public struct Objective: Sendable {
        /// What the loss is, for reports.
        public let name: String
        /// The batch's mean loss on the tape, and how many of its images a classifier got
        /// right (nil for a model that does not classify).
        public let batch: @Sendable (_ model: Model, _ images: Tensor, _ labels: [Int], _ stream: RandomStream) throws
            -> (loss: Tensor, correct: Int?)
        /// Held-out accuracy (classifiers) or mean loss (the others).
        public let heldOut: @Sendable (_ model: Model, _ data: LabeledImages) throws -> (accuracy: Double?, loss: Double?)

        public var classifies: Bool { name == Self.crossEntropy.name }

        public static let crossEntropy = Objective(name: "cross-entropy", batch: { model, images, labels, stream in
            guard let logits = try model.forward(images, training: true, stream: stream).output else {
                throw ModelError.invalid("\(model.name) produced no output")
            }
            let correct = zip(try logits.argmax(), labels).filter { $0 == $1 }.count
            return (try logits.crossEntropy(labels: labels), correct)
        }, heldOut: { model, data in (try Trainer.evaluate(model, on: data).accuracy, nil) })

        public static let negativeELBO = Objective(name: "negative ELBO", batch: { model, images, _, stream in
            (try Objective.vae(model).negativeELBO(images, stream: stream).total, nil)
        }, heldOut: { model, data in (nil, try Objective.meanNegativeELBO(Objective.vae(model), on: data)) })

        /// The objective `model` trains with: its network decides.
        public static func of(_ model: Model) -> Objective { model.network is ConvVAE ? .negativeELBO : .crossEntropy }

        static func vae(_ model: Model) throws -> ConvVAE {
            guard let vae = model.network as? ConvVAE else { throw ModelError.invalid("\(model.name) is not a VAE") }
            return vae
        }

        /// −ELBO in nats per image over `data`, one sample of z per image drawn from a fixed
        /// stream per batch so that the held-out figure of two epochs differs only by the weights.
        public static func meanNegativeELBO(_ vae: ConvVAE, on data: LabeledImages, batchSize: Int = 256) throws -> Double {
            var (sum, start) = (0.0, 0)
            try Autograd.noGrad {
                while start < data.count {
                    let indices = Array(start..<min(start + batchSize, data.count))
                    let loss = try vae.negativeELBO(try data.batch(indices).images,
                                                    stream: RandomStream(seed: 0, key: [0xE1B0, UInt64(start)]))
                    sum += (loss.reconstruction + loss.kl) * Double(indices.count)
                    start += batchSize
                }
            }
            return sum / Double(max(data.count, 1))
        }
    }
}
