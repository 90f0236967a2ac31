import CLoupeKernels

/// Direct depthwise convolution (one filter per channel), vectorised 8 or 16 outputs at a
/// time along the width (CLoupeKernels). A GEMM has nothing to gain here (each output needs
/// only kh·kw products) so the work is memory-bound and im2col would only multiply the traffic.
///
/// Each input plane is first copied into a zero-padded scratch image split by column
/// phase modulo the stride: padded column c lives in phase c mod s at index c / s. Then
/// the input column ox·s + kx·d of any output is phase (kx·d) mod s, index ox + (kx·d)/s:
/// consecutive outputs read consecutive floats for every stride, and no bounds checks
/// remain in the inner loops. Rows are padded with room for a whole trailing vector of the
/// widest variant (16 lanes).
struct DepthwisePlan {
    let geo: ConvGeometry
    let cgeo: loupe_conv_geometry
    /// Padded rows that some output reads.
    let rows: Int
    /// Floats per phase row: every vector read at ox0 + offset stays inside.
    let width: Int
    /// Offset of tap (ky, kx) from output (oy, ox)'s base oy·s·width + ox.
    let tapOffsets: [Int]

    init(_ g: ConvGeometry) {
        geo = g
        cgeo = g.c
        let s = g.stride, d = g.dilation
        rows = (g.outH - 1) * s + (g.kh - 1) * d + 1
        width = (g.outW + 15) / 16 * 16 + (g.kw - 1) * d / s + 1
        var offsets: [Int] = []
        for ky in 0..<g.kh {
            for kx in 0..<g.kw {
                offsets.append(((kx * d % s) * rows + ky * d) * width + kx * d / s)
            }
        }
        tapOffsets = offsets
    }

    var scratchCount: Int { geo.stride * rows * width }

    /// out[oy, ox] = clamp(bias + Σ w[t]·x[tap t of (oy, ox)]) for one plane, the clamp to
    /// `range` being a fused ReLU/ReLU6 (unbounded: none); the loops are CLoupeKernels'.
    func forward(
        _ x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, bias: Float,
        _ out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, taps: UnsafePointer<Int>,
        range: ClampRange = .none, variant: Int32
    ) {
        withUnsafePointer(to: cgeo) {
            loupe_depthwise_forward(variant, $0, rows, width, x, w, bias, out, scratch, taps, range.lower, range.upper)
        }
    }

    /// dx for one plane in scatter form (any stride): every output gradient is spread back
    /// over its taps in the padded scratch, then the scratch is cropped. Taps are the outer
    /// loop: two neighbouring taps write vectors one float apart, and a load that straddles
    /// a store still in flight stalls the core, so each pass keeps to one tap.
    func inputGradient(
        _ dy: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, taps: UnsafePointer<Int>
    ) {
        let g = geo, s = g.stride
        scratch.update(repeating: 0, count: scratchCount)
        for t in 0..<g.taps {
            let wt = SIMD8<Float>(repeating: w[t])
            for oy in 0..<g.outH {
                let rowBase = scratch + oy * s * width + taps[t]
                let src = dy + oy * g.outW
                var ox = 0
                while ox < g.outW {
                    // Lanes past the row end are zero, so their stores add nothing.
                    let gv = loadPartial(src + ox, Swift.min(8, g.outW - ox))
                    storeVector(loadVector(rowBase + ox) + wt * gv, rowBase + ox)
                    ox += 8
                }
            }
        }
        for iy in 0..<g.inH {
            let dst = dx + iy * g.inW
            let r = iy + g.padTop
            guard r >= 0, r < rows else {
                dst.update(repeating: 0, count: g.inW)
                continue
            }
            for p in 0..<s {
                // Input column ix = q·s + p − padLeft, for q in [lo, hi) inside the scratch row.
                let (lo, hi) = g.validRange(tapOffset: p, pad: g.padLeft, n: g.inW, out: width)
                let srcRow = scratch + (p * rows + r) * width
                for q in lo..<hi { dst[q * s + p - g.padLeft] = srcRow[q] }
            }
            // Columns that no phase row reaches (right of the scratch, or left of the padding).
            for ix in 0..<g.inW {
                let c = ix + g.padLeft
                if c < 0 || c / s >= width { dst[ix] = 0 }
            }
        }
    }
}

@inline(__always)
func loadVector(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func loadVector(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func storeVector(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// The first `n` (< 8 allowed) floats at `p`, zeros in the other lanes.
@inline(__always)
func loadPartial(_ p: UnsafePointer<Float>, _ n: Int) -> SIMD8<Float> {
    if n >= 8 { return loadVector(p) }
    var v = SIMD8<Float>()
    for l in 0..<n { v[l] = p[l] }
    return v
}

@inline(__always)
func storePartial(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 8 {
        storeVector(v, p)
        return
    }
    for l in 0..<n { p[l] = v[l] }
}

/// Depthwise conv over a whole batch: `x` [batch, C, inH, inW], `w` [C, taps], `y` [batch, C, outH, outW],
/// each output clamped to `clamp`.
func depthwiseForward(
    _ x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    batch: Int, channels: Int, _ geo: ConvGeometry, into y: UnsafeMutablePointer<Float>, clamp: ClampRange = .none
) {
    let plan = DepthwisePlan(geo), variant = KernelPolicy.current.kernelCode
    plan.tapOffsets.withUnsafeBufferPointer { taps in
        parallelChunks(batch * channels, scratch: plan.scratchCount) { range, scratch in
            for i in range {
                let c = i % channels
                plan.forward(x + i * geo.inPlane, weights: w + c * geo.taps, bias: bias?[c] ?? 0,
                             y + i * geo.outPlane, scratch: scratch, taps: taps.baseAddress!, range: clamp,
                             variant: variant)
            }
        }
    }
}

/// dx [batch, C, inH, inW] (fully written) from dy [batch, C, outH, outW].
/// At stride 1 the input gradient is itself a depthwise conv of dy with each filter
/// flipped (padding (k−1)·d − pad), which keeps the sums in registers; larger strides
/// split into stride-1 convs by phase (see `depthwisePolyphaseInputGradient`), and scatter
/// when dilated.
func depthwiseInputGradient(
    _ dy: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    batch: Int, channels: Int, _ geo: ConvGeometry, into dx: UnsafeMutablePointer<Float>
) {
    let n = geo.taps
    if geo.stride == 1 {
        let flipped = UnsafeMutablePointer<Float>.allocate(capacity: channels * n)
        defer { flipped.deallocate() }
        for c in 0..<channels {
            for t in 0..<n { flipped[c * n + t] = w[c * n + n - 1 - t] }
        }
        let back = ConvGeometry(
            channels: 1, inH: geo.outH, inW: geo.outW, outH: geo.inH, outW: geo.inW, kh: geo.kh, kw: geo.kw,
            stride: 1, dilation: geo.dilation,
            padTop: (geo.kh - 1) * geo.dilation - geo.padTop, padLeft: (geo.kw - 1) * geo.dilation - geo.padLeft)
        depthwiseForward(dy, weights: flipped, bias: nil, batch: batch, channels: channels, back, into: dx)
        return
    }
    if depthwisePolyphaseInputGradient(dy, weights: w, batch: batch, channels: channels, geo, into: dx) { return }
    let plan = DepthwisePlan(geo)
    plan.tapOffsets.withUnsafeBufferPointer { taps in
        parallelChunks(batch * channels, scratch: plan.scratchCount) { range, scratch in
            for i in range {
                plan.inputGradient(dy + i * geo.outPlane, weights: w + (i % channels) * n,
                                   dx + i * geo.inPlane, scratch: scratch, taps: taps.baseAddress!)
            }
        }
    }
}

/// dw [C, taps] (fully written). Split by channel so each channel's sum over the batch runs
/// in one fixed order on one thread.
func depthwiseWeightGradient(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
    batch: Int, channels: Int, _ geo: ConvGeometry, into dw: UnsafeMutablePointer<Float>
) {
    let plan = DepthwisePlan(geo), variant = KernelPolicy.current.kernelCode
    let n = geo.taps
    plan.tapOffsets.withUnsafeBufferPointer { taps in
        parallelChunks(channels, scratch: plan.scratchCount) { range, scratch in
            let acc = UnsafeMutablePointer<Float>.allocate(capacity: n * Int(LOUPE_KERNELS_SLACK))
            defer { acc.deallocate() }
            withUnsafePointer(to: plan.cgeo) { cgeo in
                for c in range {
                    loupe_depthwise_weight_gradient(
                        variant, cgeo, plan.rows, plan.width, x + c * geo.inPlane, channels * geo.inPlane,
                        dy + c * geo.outPlane, channels * geo.outPlane, batch, dw + c * n, scratch, taps.baseAddress!, acc)
                }
            }
        }
    }
}

/// The input gradient at stride s > 1 (no dilation) as s² stride-1 depthwise convs of dy,
/// one per phase (ρy, ρx) of the input grid. Input row iy = ρy + s·a − padTop receives
/// from output row a − j through tap ky = ρy + s·j only, so that phase of dx is a
/// correlation of dy with the sub-filter {w[ρy + s·j]} flipped; the same holds for
/// columns. Each dx element is then one register sum over its ≤ ⌈k/s⌉² taps, instead
/// of the read-modify-write per tap of the scatter form (3.5× slower for EfficientNet's
/// stride-2 layers). Returns false (nothing written) where the split does not apply.
func depthwisePolyphaseInputGradient(
    _ dy: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    batch: Int, channels: Int, _ geo: ConvGeometry, into dx: UnsafeMutablePointer<Float>
) -> Bool {
    let s = geo.stride
    guard s > 1, geo.dilation == 1 else { return false }
    struct Phase {
        let plan: DepthwisePlan?
        /// First phase row / column, as a and b above, and how many fall inside dx.
        let a0, b0, rows, cols: Int
        let rowPhase, colPhase: Int
        /// Flipped sub-filters, channel after channel.
        let weights: [Float]
    }
    var phases: [Phase] = []
    for py in 0..<s {
        for px in 0..<s {
            let a0 = ceilDiv(geo.padTop - py, s), b0 = ceilDiv(geo.padLeft - px, s)
            let rows = ceilDiv(geo.inH + geo.padTop - py, s) - a0, cols = ceilDiv(geo.inW + geo.padLeft - px, s) - b0
            guard rows > 0, cols > 0 else { continue }
            let kh = py < geo.kh ? (geo.kh - py + s - 1) / s : 0
            let kw = px < geo.kw ? (geo.kw - px + s - 1) / s : 0
            let padTop = kh - 1 - a0, padLeft = kw - 1 - b0
            guard kh == 0 || kw == 0 || (padTop >= 0 && padLeft >= 0) else { return false }
            var sub: [Float] = []
            var plan: DepthwisePlan?
            if kh > 0 && kw > 0 {
                sub = [Float](repeating: 0, count: channels * kh * kw)
                for c in 0..<channels {
                    for jy in 0..<kh {
                        for jx in 0..<kw {
                            let ky = py + s * (kh - 1 - jy), kx = px + s * (kw - 1 - jx)
                            sub[(c * kh + jy) * kw + jx] = w[c * geo.taps + ky * geo.kw + kx]
                        }
                    }
                }
                plan = DepthwisePlan(ConvGeometry(
                    channels: 1, inH: geo.outH, inW: geo.outW, outH: rows, outW: cols, kh: kh, kw: kw,
                    stride: 1, dilation: 1, padTop: padTop, padLeft: padLeft))
            }
            phases.append(Phase(plan: plan, a0: a0, b0: b0, rows: rows, cols: cols, rowPhase: py, colPhase: px,
                                weights: sub))
        }
    }
    let scratchCount = phases.map { $0.plan?.scratchCount ?? 0 }.max() ?? 0
    let outCount = phases.map { $0.rows * $0.cols }.max() ?? 0
    let offsets = phases.map { $0.plan?.tapOffsets ?? [] }
    let variant = KernelPolicy.current.kernelCode
    parallelChunks(batch * channels, scratch: scratchCount + outCount) { range, scratch in
        let out = scratch + scratchCount
        for i in range {
            let c = i % channels, src = dy + i * geo.outPlane, dst = dx + i * geo.inPlane
            for (p, phase) in phases.enumerated() {
                if let plan = phase.plan {
                    let taps = plan.geo.taps
                    phase.weights.withUnsafeBufferPointer { wp in
                        offsets[p].withUnsafeBufferPointer { tp in
                            plan.forward(src, weights: wp.baseAddress! + c * taps, bias: 0, out, scratch: scratch,
                                         taps: tp.baseAddress!, variant: variant)
                        }
                    }
                } else {
                    out.update(repeating: 0, count: phase.rows * phase.cols)
                }
                // Spread the phase over every s-th row and column of dx.
                for t in 0..<phase.rows {
                    let row = dst + (phase.rowPhase + s * (phase.a0 + t) - geo.padTop) * geo.inW
                        + phase.colPhase + s * phase.b0 - geo.padLeft
                    let from = out + t * phase.cols
                    for u in 0..<phase.cols { row[s * u] = from[u] }
                }
            }
        }
    }
    return true
}
