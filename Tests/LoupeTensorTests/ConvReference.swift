import LoupeTensor

/// Naive convolution loops written straight from the definitions, in Double, for
/// known-value tests. They share nothing with the kernels (no im2col, no GEMM, no
/// gather-form rewrite of the transposed conv).
struct ConvConfig: CustomStringConvertible {
    var input: [Int]
    var weight: [Int]
    var bias = false
    var stride = 1
    var padding = Padding2D.zero
    var dilation = 1
    var groups = 1
    var outputPadding = 0

    var description: String {
        "input \(input) weight \(weight) bias \(bias) stride \(stride) padding \(padding) dilation \(dilation) "
            + "groups \(groups) outputPadding \(outputPadding)"
    }
}

/// y[n, co, oy, ox] = b[co] + Σ x[n, g·Cg + ci, oy·s − pt + ky·d, ox·s − pl + kx·d] · w[co, ci, ky, kx]
func naiveConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: ConvConfig) -> (shape: [Int], values: [Float]) {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let p = c.padding, s = c.stride, d = c.dilation
    let oh = (h + p.top + p.bottom - d * (kh - 1) - 1) / s + 1
    let ow = (wd + p.left + p.right - d * (kw - 1) - 1) / s + 1
    let xs = x.scalars, ws = w.scalars, bs = b?.scalars
    let perGroup = cout / c.groups
    var out = [Float](repeating: 0, count: n * cout * oh * ow)
    for b0 in 0..<n {
        for co in 0..<cout {
            let g = co / perGroup
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var sum = Double(bs?[co] ?? 0)
                    for ci in 0..<cg {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * s - p.top + ky * d, ix = ox * s - p.left + kx * d
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                let xv = xs[((b0 * cin + g * cg + ci) * h + iy) * wd + ix]
                                let wv = ws[((co * cg + ci) * kh + ky) * kw + kx]
                                sum += Double(xv) * Double(wv)
                            }
                        }
                    }
                    out[((b0 * cout + co) * oh + oy) * ow + ox] = Float(sum)
                }
            }
        }
    }
    return ([n, cout, oh, ow], out)
}

/// Transposed conv by its scatter definition: every input element x[n, ci, iy, ix] adds
/// x·w[ci, co, ky, kx] at output (iy·s − pt + ky·d, ix·s − pl + kx·d).
func naiveConvTranspose2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ c: ConvConfig) -> (shape: [Int], values: [Float]) {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (_, coutG, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
    let p = c.padding, s = c.stride, d = c.dilation
    let cout = coutG * c.groups, cinG = cin / c.groups
    let oh = (h - 1) * s - p.top - p.bottom + d * (kh - 1) + c.outputPadding + 1
    let ow = (wd - 1) * s - p.left - p.right + d * (kw - 1) + c.outputPadding + 1
    let xs = x.scalars, ws = w.scalars, bs = b?.scalars
    var acc = [Double](repeating: 0, count: n * cout * oh * ow)
    for b0 in 0..<n {
        for ci in 0..<cin {
            let g = ci / cinG
            for iy in 0..<h {
                for ix in 0..<wd {
                    let xv = Double(xs[((b0 * cin + ci) * h + iy) * wd + ix])
                    for co in 0..<coutG {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let oy = iy * s - p.top + ky * d, ox = ix * s - p.left + kx * d
                                guard oy >= 0, oy < oh, ox >= 0, ox < ow else { continue }
                                let wv = Double(ws[((ci * coutG + co) * kh + ky) * kw + kx])
                                acc[((b0 * cout + g * coutG + co) * oh + oy) * ow + ox] += xv * wv
                            }
                        }
                    }
                }
            }
        }
    }
    if let bs {
        for i in acc.indices { acc[i] += Double(bs[(i / (oh * ow)) % cout]) }
    }
    return ([n, cout, oh, ow], acc.map { Float($0) })
}
