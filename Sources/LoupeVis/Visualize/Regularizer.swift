import LoupeTensor

/// Penalties on the image (in [0, 1], before transforms), each with its weight;
/// they are subtracted from the objective.
public enum Regularizer: Equatable, Sendable {
    /// Σ|x − 0.5|: pulls toward neutral gray.
    case l1(Float)
    /// √(1e-6 + Σ(x − 0.5)²).
    case l2(Float)
    /// Σ|x[i+1,j] − x[i,j]| + Σ|x[i,j+1] − x[i,j]| (tf.image.total_variation).
    case totalVariation(Float)
    /// 0.5·Σ(x − stopgrad(blur3×3(x)))²: penalizes what a blur would remove.
    case blur(Float)
    /// Σ|X(f)|²/(H·W) over frequencies above `cutoff` cycles/pixel (FFTW spectrum).
    case frequency(Float, cutoff: Float)

    public var weight: Float {
        switch self {
        case let .l1(w), let .l2(w), let .totalVariation(w), let .blur(w), let .frequency(w, _): return w
        }
    }

    /// The weighted penalty of one image batch (summed over the batch).
    public func penalty(_ x: Tensor) throws -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        switch self {
        case let .l1(weight):
            return (x - 0.5).abs().sum() * weight
        case let .l2(weight):
            let d = x - 0.5
            return (try (d * d).sum() + 1e-6).sqrt() * weight
        case let .totalVariation(weight):
            let dy = try x.narrowed(axis: 2, start: 1, length: h - 1) - x.narrowed(axis: 2, start: 0, length: h - 1)
            let dx = try x.narrowed(axis: 3, start: 1, length: w - 1) - x.narrowed(axis: 3, start: 0, length: w - 1)
            return try (dy.abs().sum() + dx.abs().sum()) * weight
        case let .blur(weight):
            let target = try x.detached.blur3x3()
            let d = try x - target
            return try (d * d).sum() * (0.5 * weight)
        case let .frequency(weight, cutoff):
            let spectrum = try x.rfft2()
            let mask = try Self.highPassMask(height: h, width: w, cutoff: cutoff)
            return try (spectrum * spectrum * mask).sum() * (weight / Float(h * w))
        }
    }

    /// 1 where √(fx² + fy²) > cutoff, weighted 2 for the columns the half-spectrum
    /// stands for twice, so the sum equals the full spectrum's energy above the cutoff.
    static func highPassMask(height h: Int, width w: Int, cutoff: Float) throws -> Tensor {
        let cols = w / 2 + 1
        var m = [Float](repeating: 0, count: h * cols * 2)
        for y in 0..<h {
            let fy = Float(y < (h + 1) / 2 ? y : y - h) / Float(h)
            for x in 0..<cols {
                let fx = Float(x) / Float(w)
                guard (fx * fx + fy * fy).squareRoot() > cutoff else { continue }
                let twice: Float = x == 0 || (w % 2 == 0 && x == w / 2) ? 1 : 2
                m[(y * cols + x) * 2] = twice
                m[(y * cols + x) * 2 + 1] = twice
            }
        }
        return try Tensor(shape: [1, 1, h, cols, 2], scalars: m)
    }
}

/// Lucid's diversity term: the mean pairwise cosine similarity of the items' Gram
/// matrices at a layer. Subtracting it pushes the batch toward different solutions.
enum Diversity {
    static func similarity(_ activations: Tensor) throws -> Tensor {
        let b = activations.shape[0], c = activations.shape[1]
        guard b > 1 else { return Tensor(0) }
        var grams: [Tensor] = []
        for i in 0..<b {
            let a = try activations.narrowed(axis: 0, start: i, length: 1).reshaped([c, -1])
            let g = try a.matmul(a.transposed())
            grams.append(try g / (g * g).sum().sqrt())
        }
        var total = Tensor(0)
        for i in 0..<b {
            for j in 0..<b where j != i { total = try total + (grams[i] * grams[j]).sum() }
        }
        return total * (1 / Float(b * (b - 1)))
    }
}
