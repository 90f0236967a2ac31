import Foundation
import LoupeNN
import LoupeTensor

/// How the optimized image is represented (Olah et al., "Feature Visualization", and
/// Lucid's defaults). The trainable tensor lives in `parameter`; `image()` maps it to
/// pixels in [0, 1] on the tape, so gradients reach the parameter.
public struct ImageParameterization {
    public enum Basis: Equatable, Sendable {
        case pixel
        /// Fourier coefficients scaled by 1/f^decay: a preconditioner that makes
        /// gradient steps favour low frequencies, as natural images do.
        case fourier(decay: Float)
    }
    public enum Squash: String, Sendable { case sigmoid, clamp }

    public let basis: Basis
    public let batch, channels, height, width: Int
    public let decorrelate: Bool
    public let squash: Squash
    /// A fourth (or, for gray, second) channel of opacity, in the same basis as the
    /// colours, never colour-decorrelated, squashed like them (Lucid's `image(alpha=True)`).
    public let alpha: Bool
    public let parameter: Parameter
    /// 1/max(f, 1/max(h,w))^decay · √(h·w), shaped [1, 1, H, W/2+1, 1].
    let spectrumScale: Tensor?

    /// Channels of `image()`: the colours, then alpha when it is on.
    public var outputChannels: Int { channels + (alpha ? 1 : 0) }

    /// Lucid's color correlation square root, normalized by its largest column norm.
    /// Decorrelated channels are mixed into RGB by rgb = t · Cᵀ.
    public static let colorCorrelation: [Float] = {
        let c: [Float] = [0.26, 0.09, 0.02, 0.27, 0.00, -0.05, 0.27, -0.09, 0.03]
        let maxNorm = (0..<3).map { j in (0..<3).map { i in c[i * 3 + j] * c[i * 3 + j] }.reduce(0, +).squareRoot() }.max()!
        return c.map { $0 / maxNorm }
    }()

    /// A random start: coefficients (or pixels) ~ N(0, sd²), Lucid's sd = 0.01.
    public init(basis: Basis, batch: Int, channels: Int, height: Int, width: Int, decorrelate: Bool = true,
                squash: Squash = .sigmoid, alpha: Bool = false, sd: Float = 0.01, stream: RandomStream) throws {
        guard batch > 0, channels > 0, height > 1, width > 1 else {
            throw TensorError.invalidArgument(op: "ImageParameterization", "needs a positive batch and an image of at least 2×2, got \(batch)×\(channels)×\(height)×\(width)")
        }
        (self.basis, self.batch, self.channels, self.height, self.width) = (basis, batch, channels, height, width)
        self.decorrelate = decorrelate && channels == 3
        self.squash = squash
        self.alpha = alpha
        let planes = channels + (alpha ? 1 : 0)
        switch basis {
        case .pixel:
            spectrumScale = nil
            parameter = Parameter(try Tensor.randomNormal([batch, planes, height, width], std: sd, stream: stream).requiringGrad())
        case let .fourier(decay):
            spectrumScale = try Self.spectrumScale(height: height, width: width, decay: decay)
            parameter = Parameter(try Tensor.randomNormal([batch, planes, height, width / 2 + 1, 2], std: sd, stream: stream).requiringGrad())
        }
    }

    /// Frequencies as numpy's fftfreq (rows) and rfftfreq (columns).
    static func spectrumScale(height h: Int, width w: Int, decay: Float) throws -> Tensor {
        let cols = w / 2 + 1
        var values = [Float](repeating: 0, count: h * cols * 2)
        let floor = 1 / Float(max(h, w))
        for y in 0..<h {
            let fy = Float(y < (h + 1) / 2 ? y : y - h) / Float(h)
            for x in 0..<cols {
                let fx = Float(x) / Float(w)
                let f = max((fx * fx + fy * fy).squareRoot(), floor)
                let s = 1 / Foundation.pow(f, decay) * Float(h * w).squareRoot()
                values[(y * cols + x) * 2] = s
                values[(y * cols + x) * 2 + 1] = s
            }
        }
        return try Tensor(shape: [1, 1, h, cols, 2], scalars: values)
    }

    /// The image in [0, 1], [batch, outputChannels, H, W], differentiable in `parameter`.
    public func image() throws -> Tensor { try image(from: parameter.value) }

    /// The image a given parameter value stands for (exposed for gradient checks).
    public func image(from value: Tensor) throws -> Tensor {
        var t: Tensor
        switch basis {
        case .pixel: t = value
        case .fourier:
            guard let spectrumScale else { throw TensorError.invalidArgument(op: "image", "missing spectrum scale") }
            t = try (value * spectrumScale).irfft2(width: width) * 0.25
        }
        guard alpha else { return try squashed(try mixed(t)) }
        let color = try t.narrowed(axis: 1, start: 0, length: channels)
        let opacity = try t.narrowed(axis: 1, start: channels, length: 1)
        return try Tensor.concat([try squashed(try mixed(color)), try squashed(opacity)], axis: 1)
    }

    private func mixed(_ t: Tensor) throws -> Tensor {
        guard decorrelate else { return t }
        return try t.conv2d(weight: try Tensor(shape: [3, 3, 1, 1], scalars: Self.colorCorrelation))
    }

    private func squashed(_ t: Tensor) throws -> Tensor {
        switch squash {
        case .sigmoid: return t.sigmoid()
        case .clamp: return try (t + 0.5).clamp(min: 0, max: 1)
        }
    }

    /// Starts from a given image in [0, 1] by inverting squash, color mixing and (for
    /// Fourier) the scaled spectrum: [batch, channels, H, W], or with alpha on also
    /// [batch, channels + 1, H, W]; a start without alpha keeps the random opacity.
    public mutating func start(from pixels: Tensor) throws {
        let full = [batch, outputChannels, height, width], colorOnly = [batch, channels, height, width]
        guard pixels.shape == full || pixels.shape == colorOnly else {
            throw TensorError.shapeMismatch(op: "start image", pixels.shape, full)
        }
        let given = pixels.shape[1]
        var t: Tensor = try Autograd.noGrad {
            switch squash {
            case .sigmoid:
                let p = try pixels.clamp(min: 0.01, max: 0.99)
                return try (p / (1 - p)).log()
            case .clamp: return pixels - 0.5
            }
        }
        if decorrelate {
            t = try Autograd.noGrad {
                let inverse = try Tensor(shape: [3, 3, 1, 1], scalars: Self.inverse3x3(Self.colorCorrelation))
                let color = try t.narrowed(axis: 1, start: 0, length: 3).conv2d(weight: inverse)
                return given == 3 ? color : try Tensor.concat([color, try t.narrowed(axis: 1, start: 3, length: given - 3)], axis: 1)
            }
        }
        var value: Tensor
        switch basis {
        case .pixel: value = t
        case .fourier:
            guard let spectrumScale else { return }
            value = try Autograd.noGrad { try (t * 4).rfft2() / spectrumScale }
        }
        if given < outputChannels {
            let opacity = try parameter.value.detached.narrowed(axis: 1, start: channels, length: 1)
            value = try Autograd.noGrad { try Tensor.concat([value, opacity], axis: 1) }
        }
        parameter.value = value.requiringGrad()
    }

    static func inverse3x3(_ m: [Float]) -> [Float] {
        let (a, b, c, d, e, f, g, h, i) = (m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8])
        let det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
        return [e * i - f * h, c * h - b * i, b * f - c * e,
                f * g - d * i, a * i - c * g, c * d - a * f,
                d * h - e * g, b * g - a * h, a * e - b * d].map { $0 / det }
    }
}
