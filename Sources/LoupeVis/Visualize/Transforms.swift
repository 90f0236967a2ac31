import Foundation
import LoupeTensor

/// Random, differentiable image transforms applied before every forward pass, so the
/// optimized image must work under small shifts, scalings and rotations; this is what
/// keeps feature visualizations from collapsing into high-frequency noise.
/// Each step's random choices are keyed by (seed, step): runs are reproducible.
public enum Transform: Equatable, Sendable {
    /// Constant padding on every side.
    case pad(Int, value: Float)
    /// Random crop that removes up to `d` − 1 pixels in each direction (Lucid's jitter).
    case jitter(Int)
    /// Resize by a factor drawn from the list.
    case scale([Float])
    /// Rotate about the center by an angle in degrees drawn from the list.
    case rotate([Float])
    /// Random crop of a fraction in `minFraction…1` of the side, resized back.
    case cropResize(minFraction: Float)

    /// Lucid's `standard_transforms`: pad 12 (0.5) → jitter 8 → scale 0.90…1.10 →
    /// rotate −10…10° (0° weighted ×5 more) → jitter 4.
    public static let standard: [Transform] = [
        .pad(12, value: 0.5), .jitter(8),
        .scale((0..<11).map { 1 + Float($0 - 5) / 50 }),
        .rotate((-10...10).map(Float.init) + [Float](repeating: 0, count: 5)),
        .jitter(4),
    ]

    /// Applies `transforms` in order to an NCHW batch (the same draw for every item).
    public static func apply(_ transforms: [Transform], to image: Tensor, stream: RandomStream) throws -> Tensor {
        var x = image
        for (i, t) in transforms.enumerated() {
            x = try t.apply(to: x, stream: stream.derived(UInt64(i)))
        }
        return x
    }

    func apply(to x: Tensor, stream: RandomStream) throws -> Tensor {
        var rng = stream
        let (h, w) = (x.shape[2], x.shape[3])
        switch self {
        case let .pad(p, value):
            return try x.padded(top: p, bottom: p, left: p, right: p, value: value)
        case let .jitter(d):
            guard d > 1, h > d, w > d else { return x }
            let (dy, dx) = (rng.nextInt(d), rng.nextInt(d))
            return try x.narrowed(axis: 2, start: dy, length: h - d + 1).narrowed(axis: 3, start: dx, length: w - d + 1)
        case let .scale(factors):
            guard !factors.isEmpty else { return x }
            let s = factors[rng.nextInt(factors.count)]
            let (nh, nw) = (max(Int((Float(h) * s).rounded()), 2), max(Int((Float(w) * s).rounded()), 2))
            return nh == h && nw == w ? x : try x.resizedBilinear(height: nh, width: nw)
        case let .rotate(degrees):
            guard !degrees.isEmpty else { return x }
            let angle = degrees[rng.nextInt(degrees.count)]
            return angle == 0 ? x : try x.affineWarp(angle: angle * .pi / 180, scale: 1, fill: 0.5)
        case let .cropResize(minFraction):
            let f = minFraction + (1 - minFraction) * rng.nextUniform()
            let (ch, cw) = (max(Int(Float(h) * f), 2), max(Int(Float(w) * f), 2))
            let (oy, ox) = (rng.nextInt(h - ch + 1), rng.nextInt(w - cw + 1))
            return try x.narrowed(axis: 2, start: oy, length: ch).narrowed(axis: 3, start: ox, length: cw)
                .resizedBilinear(height: h, width: w)
        }
    }
}
