import Foundation
import LoupeData
import LoupeTensor

/// The textures `loupe concept --concept synthetic:NAME` draws, the concepts Kim et al.
/// (2018) probe with (striped, dotted, zigzagged, chequered).
public enum ConceptPattern: String, CaseIterable, Codable, Sendable {
    case stripes, dots, checkerboard, zigzag
}

/// Seeded concept and random image sets, so TCAV runs offline: each image's colours, scale,
/// orientation and phase are drawn from (seed, pattern, index), never from the order they
/// are asked in. Random images are smooth colour noise (a coarse random grid, bilinearly
/// upsampled, plus pixel noise): no pattern in any orientation.
public enum SyntheticConcepts {
    static let patternKey: UInt64 = 0x7061_7474, noiseKey: UInt64 = 0x6e6f_6973

    /// Image `index` of `pattern`, RGB, `side`×`side`.
    public static func image(_ pattern: ConceptPattern, index: Int, side: Int, seed: UInt64) throws -> Image {
        let id = UInt64(ConceptPattern.allCases.firstIndex(of: pattern) ?? 0)
        let stream = RandomStream(seed: seed, key: [patternKey, id, UInt64(index)])
        func u(_ k: UInt64) -> Double { Double(stream.uniform(at: k)) }
        let (fg, bg) = colours(u)
        let period = Swift.max(3, Double(side) * (0.12 + 0.25 * u(6)))
        let angle = u(7) * Double.pi, phase = u(8)
        let (c, s) = (Foundation.cos(angle), Foundation.sin(angle))
        let radius = period * (0.2 + 0.15 * u(9)), amplitude = period * (0.5 + 0.5 * u(10))
        var values = [Float](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                // Coordinates along and across the pattern's orientation, in pixels.
                let (px, py) = (Double(x) + 0.5, Double(y) + 0.5)
                let a = px * c + py * s, b = -px * s + py * c
                let on: Bool
                switch pattern {
                case .stripes:
                    on = frac(a / period + phase) < 0.5
                case .checkerboard:
                    on = (Int(Foundation.floor(a / (period / 2) + phase)) + Int(Foundation.floor(b / (period / 2) + phase))) & 1 == 0
                case .dots:
                    let (da, db) = ((frac(a / period + phase) - 0.5) * period, (frac(b / period + phase) - 0.5) * period)
                    on = (da * da + db * db).squareRoot() < radius
                case .zigzag:
                    let t = frac(a / period)
                    let tri = 2 * Swift.min(t, 1 - t)
                    on = frac((b - amplitude * tri) / period + phase) < 0.3
                }
                let colour = on ? fg : bg
                for k in 0..<3 { values[(y * side + x) * 3 + k] = Float(colour[k]) }
            }
        }
        return try Image(width: side, height: side, channels: 3, unitFloats: values)
    }

    /// Random image `index` of random set `set`: smooth colour noise.
    public static func noise(set: Int, index: Int, side: Int, seed: UInt64) throws -> Image {
        let stream = RandomStream(seed: seed, key: [noiseKey, UInt64(set), UInt64(index)])
        let grid = 2 + Int(stream.bits(at: 0) % 7)
        let coarse = try Image(width: grid, height: grid, channels: 3,
                               unitFloats: (0..<(grid * grid * 3)).map { stream.uniform(at: UInt64(16 + $0)) })
        let smooth = try coarse.resized(width: side, height: side)
        let amplitude = 0.3 * stream.uniform(at: 1)
        let base = UInt64(16 + grid * grid * 3)
        let values = smooth.unitFloats.enumerated().map { i, v in
            Swift.min(1, Swift.max(0, v + amplitude * (stream.uniform(at: base + UInt64(i)) - 0.5)))
        }
        return try Image(width: side, height: side, channels: 3, unitFloats: values)
    }

    /// A foreground and background colour whose luminances differ by at least 0.35, so the
    /// pattern survives conversion to gray (Fashion-MNIST models).
    static func colours(_ u: (UInt64) -> Double) -> ([Double], [Double]) {
        let fg = [u(0), u(1), u(2)]
        var bg = [u(3), u(4), u(5)]
        func luminance(_ c: [Double]) -> Double { 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] }
        if Swift.abs(luminance(fg) - luminance(bg)) < 0.35 {
            bg = luminance(fg) >= 0.5 ? fg.map { $0 * 0.3 } : fg.map { $0 * 0.3 + 0.7 }
        }
        return (fg, bg)
    }

    static func frac(_ v: Double) -> Double { v - Foundation.floor(v) }
}
