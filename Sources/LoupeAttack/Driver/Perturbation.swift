import Foundation
import LoupeTensor

/// Measurements of a perturbation and the 8-bit rounding a shared image goes through.
public enum Perturbation {
    /// Per sample: L∞ and L2 norms of x − x0, how far any pixel lies outside [0, 1], and
    /// whether any value is NaN or infinite.
    public struct Stats: Sendable, Equatable {
        public let linf: Float
        public let l2: Float
        public let outOfRange: Float
        public let nonFinite: Bool
    }

    public static func stats(_ x: Tensor, origin x0: Tensor) throws -> [Stats] {
        guard x.shape == x0.shape, x.rank >= 1 else { throw TensorError.shapeMismatch(op: "perturbation", x.shape, x0.shape) }
        let n = x.shape[0], d = x.count / max(n, 1)
        let a = x.scalars, b = x0.scalars
        return (0..<n).map { i in
            var (mx, sq, out, bad): (Float, Double, Float, Bool) = (0, 0, 0, false)
            for j in i * d..<(i + 1) * d {
                let v = a[j]
                if !v.isFinite { bad = true; continue }
                let e = v - b[j]
                mx = max(mx, Swift.abs(e))
                sq += Double(e) * Double(e)
                out = max(out, -v, v - 1)
            }
            return Stats(linf: mx, l2: Float(sq.squareRoot()), outOfRange: out > 0 ? out : 0, nonFinite: bad)
        }
    }

    /// Rounds pixels to the 8-bit grid (k/255), as saving a PNG does.
    public static func quantized(_ x: Tensor) throws -> Tensor {
        try Tensor(shape: x.shape, scalars: x.scalars.map { level($0) / 255 })
    }

    /// Rounds an adversarial image to the 8-bit grid without leaving the L∞ ball of radius
    /// `eps` around `origin` (itself on the grid): a pixel whose nearest level falls
    /// outside the ball takes the next level towards the origin instead. With ε not a
    /// multiple of 1/255, plain rounding could exceed the budget by up to half a level.
    public static func quantized(_ x: Tensor, within eps: Float, of origin: Tensor) throws -> Tensor {
        guard x.shape == origin.shape else { throw TensorError.shapeMismatch(op: "quantize", x.shape, origin.shape) }
        let o = origin.scalars
        let values = zip(x.scalars, o).map { v, c -> Float in
            var q = level(v)
            let center = c * 255
            if Swift.abs(q / 255 - c) > eps + 1e-6 { q += q > center ? -1 : 1 }
            return q / 255
        }
        return try Tensor(shape: x.shape, scalars: values)
    }

    /// Nearest 8-bit level of a [0, 1] value, clamped (NaN → 0).
    static func level(_ v: Float) -> Float {
        guard v > 0 else { return 0 }
        guard v < 1 else { return 255 }
        return (v * 255).rounded()
    }
}
