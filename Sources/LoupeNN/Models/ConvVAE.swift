import LoupeTensor

/// fashion-vae: a small convolutional variational auto-encoder for 28×28 grayscale
/// images (Kingma & Welling 2014), used as a generator prior for class prototypes
/// (Nguyen et al. 2016 optimize a generator's code instead of pixels).
///
/// Encoder: 4×4 conv stride 2, 1→32 (28→14), ReLU; 4×4 conv stride 2, 32→64 (14→7),
/// ReLU; two linear heads 3136→latent for μ and log σ². Decoder: linear latent→3136,
/// ReLU, then the mirror image with transposed convs (7→14→28) and a sigmoid, so the
/// decoder outputs Bernoulli means in [0, 1].
public final class ConvVAE: Module {
    public let latent: Int
    public static let imageSize = 28
    static let hidden = (channels: 64, side: 7)
    let conv1, conv2: Conv2d
    let mu, logVariance, fc: Linear
    let deconv1, deconv2: ConvTranspose2d

    public init(latent: Int = 16, seed: UInt64 = 0) throws {
        guard latent > 0 else { throw ModelError.invalid("a VAE needs a latent size above 0, got \(latent)") }
        self.latent = latent
        let s = RandomStream(seed: seed, key: [0x5641_45])
        let flat = Self.hidden.channels * Self.hidden.side * Self.hidden.side
        conv1 = try Conv2d(1, 32, kernel: 4, stride: 2, padding: .fixed(1), initStream: s.derived(1))
        conv2 = try Conv2d(32, 64, kernel: 4, stride: 2, padding: .fixed(1), initStream: s.derived(2))
        mu = try Linear(flat, latent, initStream: s.derived(3))
        logVariance = try Linear(flat, latent, initStream: s.derived(4))
        fc = try Linear(latent, flat, initStream: s.derived(5))
        deconv1 = try ConvTranspose2d(64, 32, kernel: 4, stride: 2, padding: 1, initStream: s.derived(6))
        deconv2 = try ConvTranspose2d(32, 1, kernel: 4, stride: 2, padding: 1, initStream: s.derived(7))
        super.init()
        for (key, m) in [("conv1", conv1), ("conv2", conv2), ("mu", mu), ("logvar", logVariance), ("fc", fc),
                         ("deconv1", deconv1), ("deconv2", deconv2)] as [(String, Module)] {
            add(m, as: key)
        }
    }

    /// The model's forward pass is the deterministic reconstruction decode(μ(x)), tapped
    /// layer by layer so `loupe layers fashion-vae` shows the whole network.
    public override var tapChain: TapChain? {
        TapChain([
            .init("conv1", conv1, forward: { [conv1] in try conv1.forward($0, $1, activation: .relu) }),
            .init("conv2", conv2, forward: { [conv2] in try conv2.forward($0, $1, activation: .relu) }),
            .global("mu") { [mu] x, ctx in try mu.forward(try x.flattened(), ctx) },
            .global("fc") { [fc] z, ctx in try fc.forward(z, ctx).relu() },
            .global("deconv1") { [deconv1] h, ctx in try deconv1.forward(try Self.unflatten(h), ctx).relu() },
            .global("deconv2") { [deconv2] h, ctx in try deconv2.forward(h, ctx) },
            .global("sigmoid") { x, _ in x.sigmoid() },
        ])
    }

    static func unflatten(_ h: Tensor) throws -> Tensor {
        try h.reshaped([h.shape[0], hidden.channels, hidden.side, hidden.side])
    }

    /// μ and log σ² of q(z | x) for pixels [N, 1, 28, 28] in [0, 1].
    public func encode(_ pixels: Tensor) throws -> (mu: Tensor, logVariance: Tensor) {
        guard pixels.rank == 4, pixels.shape[1] == 1, pixels.shape[2] == Self.imageSize, pixels.shape[3] == Self.imageSize else {
            throw ModelError.invalid("fashion-vae encodes [N, 1, 28, 28] images, got \(pixels.shape)")
        }
        let ctx = ForwardContext()
        let h = try conv2.forward(try conv1.forward(pixels, ctx, activation: .relu), ctx, activation: .relu).flattened()
        return (try mu.forward(h, ctx), try logVariance.forward(h, ctx))
    }

    /// The Bernoulli logits of p(x | z) for codes [N, latent]: [N, 1, 28, 28].
    public func decodeLogits(_ z: Tensor) throws -> Tensor {
        guard z.rank == 2, z.shape[1] == latent else {
            throw ModelError.invalid("fashion-vae decodes codes [N, \(latent)], got \(z.shape)")
        }
        let ctx = ForwardContext()
        let h = try Self.unflatten(try fc.forward(z, ctx).relu())
        return try deconv2.forward(try deconv1.forward(h, ctx).relu(), ctx)
    }

    /// The decoder's image, pixels in [0, 1]: a pure function of z (no sampling).
    public func decode(_ z: Tensor) throws -> Tensor { try decodeLogits(z).sigmoid() }

    /// z = μ + e^{½ log σ²}·ε (the reparameterization trick): the sample is a
    /// differentiable function of μ and log σ² given the noise ε ~ N(0, I).
    public static func reparameterize(mu: Tensor, logVariance: Tensor, noise: Tensor) throws -> Tensor {
        try mu + (logVariance * 0.5).exp() * noise
    }

    /// The negative ELBO of a batch and its two parts, each averaged over the images
    /// (nats per image).
    public struct Loss {
        /// Reconstruction + KL, on the tape.
        public let total: Tensor
        public let reconstruction, kl: Double
    }

    /// −ELBO = E_q[−log p(x | z)] + KL(q(z | x) ‖ N(0, I)), the expectation estimated with
    /// one sample of z whose noise comes from `stream`; the Bernoulli likelihood is
    /// the binary cross-entropy of the pixels (grays in [0, 1] as soft targets).
    public func negativeELBO(_ pixels: Tensor, stream: RandomStream) throws -> Loss {
        let (mu, logVariance) = try encode(pixels)
        let noise = try Tensor.randomNormal(mu.shape, stream: stream)
        let z = try Self.reparameterize(mu: mu, logVariance: logVariance, noise: noise)
        let n = Float(pixels.shape[0])
        let reconstruction = try decodeLogits(z).binaryCrossEntropySum(logitsAgainst: pixels) * (1 / n)
        let kl = try mu.gaussianKLSum(logVariance: logVariance) * (1 / n)
        return Loss(total: try reconstruction + kl, reconstruction: Double(try reconstruction.item), kl: Double(try kl.item))
    }
}
