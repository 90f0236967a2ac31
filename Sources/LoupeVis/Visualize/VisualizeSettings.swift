import LoupeNN

/// What `loupe visualize` computes; the defaults are Lucid's (see DESIGN.md).
public struct VisualizeSettings: Codable, Sendable, Equatable {
    /// Objectives as `Objective.parse` reads them; one image each (times `batch`).
    public var objectives: [String] = []
    /// Visualize these channels of each objective's layer, one per batch item.
    public var channels: [Int]?
    public var param = Parameterization.fft
    /// Spectrum decay power of the Fourier parameterization.
    public var decay: Float = 1
    public var decorrelate = true
    public var steps = 512
    public var size = 128
    public var lr: Float = 0.05
    public var optimizer = Trainer.OptimizerKind.adam
    public var transforms = TransformSet.standard
    /// Penalty weights (0: off) and the frequency penalty's cutoff in cycles per pixel.
    public var l1: Float = 0
    public var tv: Float = 0
    public var blur: Float = 0
    public var freq: Float = 0
    public var freqCutoff: Float = 0.25
    /// Optimize an alpha channel too, with objective · (1 − alphaPenalty·opacity).
    public var alpha = false
    public var alphaPenalty = Transparency.defaultPenalty
    /// Images per objective, pushed apart by the diversity term of this weight.
    public var batch = 1
    public var diversity: Float = 0
    /// Steps at which to keep a copy of the images.
    public var snapshots: [Int] = []
    public var seed: UInt64 = 0
    /// A generator checkpoint (`loupe train --arch fashion-vae`): each objective also gets
    /// a prototype optimized in its latent space, shown beside the pixel one.
    public var prior: String?
    public var priorSettings = GeneratorPrior.Settings()

    public init() {}

    /// Largest `size`: the image, its spectrum, the transformed copies and every layer's
    /// activations all grow with size², so far above this one run would need gigabytes.
    public static let maxSize = 4096

    public func validate() throws {
        if objectives.isEmpty { throw VisError.invalid("give at least one --objective") }
        if let channels, channels.isEmpty || channels.contains(where: { $0 < 0 }) {
            throw VisError.invalid("--channels must name channels ≥ 0: 0-15 or 3,7,9")
        }
        if steps < 1 { throw VisError.invalid("--steps must be at least 1") }
        if size < 8 { throw VisError.invalid("--size must be at least 8") }
        if size > Self.maxSize { throw VisError.invalid("--size \(size) is above the maximum of \(Self.maxSize)") }
        if batch < 1 { throw VisError.invalid("--batch must be at least 1") }
        if !(lr > 0) { throw VisError.invalid("--lr must be positive") }
        // Above 1 the factor 1 − w·(opacity) can turn negative and reward the opposite of the objective.
        if !(alphaPenalty >= 0 && alphaPenalty <= 1) { throw VisError.invalid("--alpha-penalty must be a weight in 0…1") }
        if prior != nil {
            try priorSettings.validate()
            if alpha { throw VisError.invalid("--prior compares opaque prototypes: drop --alpha") }
        }
    }

    /// The optimizer's settings.
    public var visualization: VisualizationSettings {
        var s = VisualizationSettings()
        (s.steps, s.size, s.learningRate, s.optimizer) = (steps, size, lr, optimizer)
        s.basis = param == .pixel ? .pixel : .fourier(decay: decay)
        s.decorrelate = decorrelate
        s.transforms = transforms == .none ? [] : Transform.standard
        s.regularizers = [Regularizer.l1(l1), .totalVariation(tv), .blur(blur), .frequency(freq, cutoff: freqCutoff)]
            .filter { $0.weight != 0 }
        (s.diversity, s.snapshots, s.seed, s.alpha, s.alphaPenalty) = (diversity, snapshots, seed, alpha, alphaPenalty)
        return s
    }

    /// "0-15" or "3,7,9" (or a mix) as channel numbers; nil when unreadable.
    public static func channels(_ text: String) -> [Int]? {
        var out: [Int] = []
        for part in text.split(separator: ",") {
            let parsed = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.allSatisfy({ $0 != nil }) else { return nil }
            let bounds = parsed.compactMap { $0 }
            switch bounds.count {
            case 1: out.append(bounds[0])
            case 2 where bounds[0] <= bounds[1]: out += Array(bounds[0]...bounds[1])
            default: return nil
            }
        }
        return out.isEmpty ? nil : out
    }
}

/// How the image is parameterized: Fourier coefficients scaled by 1/f, or raw pixels.
public enum Parameterization: String, Codable, CaseIterable, Sendable { case fft, pixel }

/// Random transforms applied every step: Lucid's standard set, or none.
public enum TransformSet: String, Codable, CaseIterable, Sendable { case standard, none }

extension Trainer.OptimizerKind: Codable {}
