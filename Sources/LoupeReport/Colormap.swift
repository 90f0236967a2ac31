import LoupeData

/// Colormaps for heat maps: perceptually uniform sequential maps (viridis, inferno)
/// for magnitudes, and a diverging blue–white–red map for signed values.
///
/// Each map is a list of evenly spaced stops with linear interpolation in sRGB. The
/// sequential stops are the nine-class samples of the published 256-entry tables
/// (van der Walt & Smith's viridis and inferno, CC0): both maps are smooth, so nine
/// stops reproduce them within a couple of 8-bit levels.
public struct Colormap: Sendable, Equatable {
    public let name: String
    /// Evenly spaced stops, RGB in [0, 1].
    public let stops: [(Float, Float, Float)]

    public static func == (a: Colormap, b: Colormap) -> Bool { a.name == b.name }

    init(_ name: String, hex: [UInt32]) {
        self.name = name
        stops = hex.map { (Float(($0 >> 16) & 0xff) / 255, Float(($0 >> 8) & 0xff) / 255, Float($0 & 0xff) / 255) }
    }

    public static let viridis = Colormap("viridis", hex: [
        0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21908C, 0x27AD81, 0x5DC863, 0xAADC32, 0xFDE725,
    ])

    public static let inferno = Colormap("inferno", hex: [
        0x000004, 0x1F0C48, 0x550F6D, 0x88226A, 0xBA3655, 0xE35932, 0xF98C0A, 0xF9C932, 0xFCFFA4,
    ])

    /// ColorBrewer's RdBu, reversed so negative is blue and positive red; the middle
    /// stop (near-white) is zero.
    public static let diverging = Colormap("rdbu", hex: [
        0x053061, 0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7, 0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B, 0x67001F,
    ])

    public static let all: [Colormap] = [.viridis, .inferno, .diverging]

    public static func named(_ name: String) -> Colormap? { all.first { $0.name == name.lowercased() } }

    /// The color at `t` in [0, 1] (clamped; NaN maps to 0).
    public func color(_ t: Float) -> (Float, Float, Float) {
        let u = t.isNaN ? 0 : Swift.min(Swift.max(t, 0), 1)
        let x = u * Float(stops.count - 1)
        let i = Swift.min(Int(x), stops.count - 2)
        let f = x - Float(i)
        let (a, b) = (stops[i], stops[i + 1])
        return (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// An H×W map (row-major) as an RGB image; values are mapped from `range` to [0, 1].
    public func render(_ values: [Float], width: Int, height: Int, range: ClosedRange<Float>) throws -> Image {
        let span = range.upperBound - range.lowerBound
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<Swift.min(values.count, width * height) {
            let t = span > 0 ? (values[i] - range.lowerBound) / span : 0.5
            let (r, g, b) = color(t)
            (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = (r, g, b)
        }
        return try Image(width: width, height: height, channels: 3, unitFloats: pixels)
    }

    /// `base` with this map's colors of `values` blended over it (`alpha` is the map's
    /// weight). The map is resized to the image by nearest neighbour when sizes differ.
    public func overlay(_ values: [Float], width: Int, height: Int, range: ClosedRange<Float>,
                        on base: Image, alpha: Float = 0.5) throws -> Image {
        let heat = try render(values, width: width, height: height, range: range)
        let rgb = base.rgb()
        var out = [Float](repeating: 0, count: rgb.width * rgb.height * 3)
        for y in 0..<rgb.height {
            let sy = Swift.min(y * height / rgb.height, height - 1)
            for x in 0..<rgb.width {
                let sx = Swift.min(x * width / rgb.width, width - 1)
                for c in 0..<3 {
                    let b = Float(rgb[x: x, y: y, c: c]) / 255, h = Float(heat[x: sx, y: sy, c: c]) / 255
                    out[(y * rgb.width + x) * 3 + c] = (1 - alpha) * b + alpha * h
                }
            }
        }
        return try Image(width: rgb.width, height: rgb.height, channels: 3, unitFloats: out)
    }
}
