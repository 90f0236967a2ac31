/// A 1-D filter along one axis of length n, with the edge rule "normalize by the kernel
/// weight that falls inside": row i of the matrix holds taps[k] / Σ_{inside} taps for the
/// neighbours i−r…i+r that exist, zero for the rest. This is Lucid's
/// `conv(x) / conv(ones)` with zero "SAME" padding, so a constant image stays constant
/// right up to the border. The matrix is not symmetric near the edges, so the backward
/// pass applies its transpose explicitly.
struct BandMatrix {
    let n: Int
    let radius: Int
    /// n × (2·radius + 1), row-major.
    let coef: [Float]

    /// `taps` has odd length 2r+1 with the center in the middle; taps farther than
    /// n−1 from the center can never reach inside the axis and are dropped.
    init(n: Int, taps: [Float]) {
        let full = taps.count / 2
        let r = Swift.min(full, n - 1)
        let used = Array(taps[(full - r)...(full + r)])
        var coef = [Float](repeating: 0, count: n * (2 * r + 1))
        for i in 0..<n {
            let lo = Swift.max(0, r - i), hi = Swift.min(2 * r, r + n - 1 - i)
            var norm: Double = 0
            for k in lo...hi { norm += Double(used[k]) }
            for k in lo...hi { coef[i * (2 * r + 1) + k] = Float(Double(used[k]) / norm) }
        }
        self.n = n
        self.radius = r
        self.coef = coef
    }
}

extension Tensor {
    /// Applies `cols` along W then `rows` along H to every plane (their transposes, in
    /// the reverse order, when `transpose`). Zero coefficients outside the image make
    /// every tap loop branch-free.
    func bandFiltered(_ planes: ImagePlanes, rows: BandMatrix, cols: BandMatrix, transpose: Bool) -> Tensor {
        let (h, w) = (planes.height, planes.width)
        var out = Tensor(zeros: shape)
        let p = pointer, o = out.mutablePointer
        Parallel.forEach(planes.count) { c in
            let src = p + c * h * w, dst = o + c * h * w
            var tmp = [Float](repeating: 0, count: h * w)
            tmp.withUnsafeMutableBufferPointer { t in
                let t = t.baseAddress!
                if transpose {
                    Tensor.bandAlongH(rows, from: src, to: t, width: w, transpose: true)
                    Tensor.bandAlongW(cols, from: UnsafePointer(t), to: dst, height: h, transpose: true)
                } else {
                    Tensor.bandAlongW(cols, from: src, to: t, height: h, transpose: false)
                    Tensor.bandAlongH(rows, from: UnsafePointer(t), to: dst, width: w, transpose: false)
                }
            }
        }
        return out
    }

    /// dst (zeroed) = M·src along each row (or Mᵀ·src).
    private static func bandAlongW(
        _ m: BandMatrix, from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>,
        height: Int, transpose: Bool
    ) {
        let w = m.n, r = m.radius, span = 2 * r + 1
        m.coef.withUnsafeBufferPointer { coef in
            for y in 0..<height {
                let s = src + y * w, d = dst + y * w
                for x in 0..<w {
                    let row = coef.baseAddress! + x * span
                    let lo = Swift.max(0, r - x), hi = Swift.min(2 * r, r + w - 1 - x)
                    if transpose {
                        let g = s[x]
                        for k in lo...hi { d[x + k - r] += row[k] * g }
                    } else {
                        var acc: Float = 0
                        for k in lo...hi { acc += row[k] * s[x + k - r] }
                        d[x] = acc
                    }
                }
            }
        }
    }

    /// dst (zeroed) = M·src along each column (or Mᵀ·src), one whole row at a time.
    private static func bandAlongH(
        _ m: BandMatrix, from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>,
        width: Int, transpose: Bool
    ) {
        let h = m.n, r = m.radius, span = 2 * r + 1
        m.coef.withUnsafeBufferPointer { coef in
            for y in 0..<h {
                let lo = Swift.max(0, r - y), hi = Swift.min(2 * r, r + h - 1 - y)
                for k in lo...hi {
                    let a = coef[y * span + k]
                    let other = y + k - r
                    if transpose {
                        let s = src + y * width, d = dst + other * width
                        for x in 0..<width { d[x] += a * s[x] }
                    } else {
                        let s = src + other * width, d = dst + y * width
                        for x in 0..<width { d[x] += a * s[x] }
                    }
                }
            }
        }
    }
}
