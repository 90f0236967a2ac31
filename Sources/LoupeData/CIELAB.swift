import Foundation

/// sRGB → CIE L*a*b* under the D65 white (2° observer), the conversion of skimage's
/// `rgb2lab` and of Achanta et al.'s SLIC: Euclidean distances in L*a*b* are close to
/// perceived colour differences, which is what makes colour and position comparable in
/// one SLIC distance.
public enum CIELAB {
    /// L* in [0, 100], a* and b* about ±100, for one sRGB colour with channels in [0, 1].
    public static func fromSRGB(_ r: Float, _ g: Float, _ b: Float) -> (l: Float, a: Float, b: Float) {
        let (rl, gl, bl) = (linear(r), linear(g), linear(b))
        // sRGB primaries → XYZ (IEC 61966-2-1), each divided by the D65 white point.
        let x = (0.412453 * rl + 0.357580 * gl + 0.180423 * bl) / 0.95047
        let y = 0.212671 * rl + 0.715160 * gl + 0.072169 * bl
        let z = (0.019334 * rl + 0.119193 * gl + 0.950227 * bl) / 1.08883
        let (fx, fy, fz) = (f(x), f(y), f(z))
        return (Float(116 * fy - 16), Float(500 * (fx - fy)), Float(200 * (fy - fz)))
    }

    /// Three planes L*, a*, b* (each height·width) of an image given as planes [C, H, W]
    /// in [0, 1] with 3 (RGB) or 1 (gray: the colour with R = G = B) channels.
    public static func planes(_ values: [Float], channels: Int, pixels n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            let r = values[i], g = channels == 3 ? values[n + i] : r, b = channels == 3 ? values[2 * n + i] : r
            let lab = fromSRGB(r, g, b)
            (out[i], out[n + i], out[2 * n + i]) = (lab.l, lab.a, lab.b)
        }
        return out
    }

    /// Undoes the sRGB transfer curve.
    static func linear(_ v: Float) -> Double {
        let c = Double(v)
        return c <= 0.04045 ? c / 12.92 : Foundation.pow((c + 0.055) / 1.055, 2.4)
    }

    /// CIE's cube root with its linear toe below (6/29)³.
    static func f(_ t: Double) -> Double {
        t > 0.008856 ? Foundation.cbrt(t) : 7.787 * t + 16.0 / 116.0
    }
}
