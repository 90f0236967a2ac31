// Pooling over the H×W planes of NCHW tensors. Every N·C plane is independent, so
// forward and backward both split over planes: no two workers ever write the same
// element and the results do not depend on the thread count.

import CLoupeKernels

extension Tensor {
    /// 2-D max pooling (PyTorch's `max_pool2d`, dilation 1); padding acts as −∞.
    /// Backward routes each output's gradient to the input position that won its
    /// window, Zeiler & Fergus's "switches"; overlapping windows accumulate.
    public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) throws -> Tensor {
        // ceil mode only changes the plain case when a size is odd (a partial last window).
        if kernel == 2, (stride ?? 2) == 2, padding == 0, rank == 4, shape[2] >= 2, shape[3] >= 2,
           !ceilMode || (shape[2] % 2 == 0 && shape[3] % 2 == 0) {
            return maxPool2x2()
        }
        return try maxPool2dWithIndices(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode).output
    }

    /// The common 2×2, stride-2, unpadded pool (VGG, fashion-cnn), its switches kept as one
    /// byte per output (which of the four won) rather than a flat index: an eighth of the
    /// switch memory, and a backward that writes every input element once, without first
    /// zero-filling the gradient.
    func maxPool2x2() -> Tensor {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = (h / 2, w / 2)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        var out = Tensor(uninitialized: [n, c, oh, ow])
        let variant = KernelPolicy.current.kernelCode
        let codes = [UInt8](unsafeUninitializedCapacity: planes * outPlane) { buffer, count in
            let px = pointer, po = out.mutablePointer
            if let pc = buffer.baseAddress {
                Parallel.forEach(planes, elements: self.count) { plane in
                    maxPool2x2Plane(px + plane * inPlane, width: w, outH: oh, outW: ow, into: po + plane * outPlane,
                                    codes: pc + plane * outPlane, readableEnd: px + self.count, variant: variant)
                }
            }
            count = planes * outPlane
        }
        let inShape = shape
        // An odd last row or column is never selected; its gradient must still be zero.
        let covered = h % 2 == 0 && w % 2 == 0
        return Tensor.record("max_pool2d", out, inputs: [self]) { g, _ in
            var dx = covered ? Tensor(uninitialized: inShape) : Tensor(zeros: inShape)
            let pg = g.pointer, pd = dx.mutablePointer
            codes.withUnsafeBufferPointer { sw in
                guard let ps = sw.baseAddress else { return }
                Parallel.forEach(planes, elements: g.count) { plane in
                    let d = pd + plane * inPlane, gp = pg + plane * outPlane, cp = ps + plane * outPlane
                    for oy in 0..<oh {
                        let top = d + 2 * oy * w, bottom = top + w
                        for ox in 0..<ow {
                            let v = gp[oy * ow + ox], k = cp[oy * ow + ox]
                            top[2 * ox] = k == 0 ? v : 0
                            top[2 * ox + 1] = k == 1 ? v : 0
                            bottom[2 * ox] = k == 2 ? v : 0
                            bottom[2 * ox + 1] = k == 3 ? v : 0
                        }
                    }
                }
            }
            return [dx]
        }
    }

    /// Max pooling that also returns the switches: for every output element (NCHW
    /// order), the flat index y·W + x of its window's maximum within its input plane.
    /// The first maximum wins on ties, scanning rows then columns, as PyTorch does;
    /// a NaN wins over any number, also as PyTorch does.
    public func maxPool2dWithIndices(
        kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false
    ) throws -> (output: Tensor, indices: [Int]) {
        let op = "maxPool2d"
        let (n, c, h, w) = try poolPlanes(op: op)
        let (rows, cols) = try slidingWindows(
            op: op, height: h, width: w, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        let (oh, ow) = (rows.count, cols.count)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        var out = Tensor(uninitialized: [n, c, oh, ow])
        // Every element is written below; zero-filling first cost as much as a third of the pool.
        var indices = [Int](unsafeUninitializedCapacity: planes * outPlane) { _, count in count = planes * outPlane }
        let px = pointer, po = out.mutablePointer
        // Window bounds as raw pointers: array subscripts inside the per-plane closure
        // (bounds checks, retains) made a 2×2 pool cost as much as the conv before it.
        let bounds = rows.start + rows.end + cols.start + cols.end
        let plain2x2 = kernel == 2 && (stride ?? kernel) == 2 && padding == 0 && oh == h / 2 && ow == w / 2
        let variant = KernelPolicy.current.kernelCode
        indices.withUnsafeMutableBufferPointer { buffer in bounds.withUnsafeBufferPointer { windows in
            guard let pi = buffer.baseAddress, let starts = windows.baseAddress else { return }
            let rowStart = starts, rowEnd = starts + oh, colStart = starts + 2 * oh, colEnd = starts + 2 * oh + ow
            Parallel.forEach(planes, elements: count) { plane in
                let src = px + plane * inPlane, dst = po + plane * outPlane, idx = pi + plane * outPlane
                if plain2x2 {
                    let codes = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(outPlane, 1))
                    defer { codes.deallocate() }
                    maxPool2x2Plane(src, width: w, outH: oh, outW: ow, into: dst, codes: codes, readableEnd: px + count,
                                    variant: variant)
                    for j in 0..<outPlane {
                        let (oy, ox) = (j / ow, j % ow), k = Int(codes[j])
                        idx[j] = 2 * oy * w + 2 * ox + (k & 1) + (k >> 1) * w
                    }
                    return
                }
                for oy in 0..<oh {
                    let y0 = rowStart[oy], y1 = rowEnd[oy]
                    for ox in 0..<ow {
                        let x0 = colStart[ox], x1 = colEnd[ox]
                        // Every window holds at least one input element (padding ≤ kernel/2),
                        // so the −∞ start is always replaced unless the input itself is −∞.
                        var best = -Float.infinity, bestIndex = y0 * w + x0
                        for y in y0..<y1 {
                            for xx in x0..<x1 {
                                let v = src[y * w + xx]
                                if v > best || v.isNaN {
                                    best = v
                                    bestIndex = y * w + xx
                                }
                            }
                        }
                        dst[oy * ow + ox] = best
                        idx[oy * ow + ox] = bestIndex
                    }
                }
            }
        } }
        let inShape = shape
        let switches = indices
        let y = Tensor.record("max_pool2d", out, inputs: [self]) { g, _ in
            var dx = Tensor(zeros: inShape)
            let pg = g.pointer, pd = dx.mutablePointer
            switches.withUnsafeBufferPointer { sw in
                Parallel.forEach(planes, elements: g.count) { plane in
                    let d = pd + plane * inPlane, base = plane * outPlane
                    for j in 0..<outPlane { d[sw[base + j]] += pg[base + j] }
                }
            }
            return [dx]
        }
        return (y, indices)
    }

    /// 2-D average pooling (PyTorch's `avg_pool2d`). With `countIncludePad` the
    /// divisor counts the zero padding (but not what a ceil-mode window hangs past
    /// it); without, only the input elements inside the window.
    public func avgPool2d(
        kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true, ceilMode: Bool = false
    ) throws -> Tensor {
        let op = "avgPool2d"
        let (n, c, h, w) = try poolPlanes(op: op)
        let (rows, cols) = try slidingWindows(
            op: op, height: h, width: w, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
        return averagePool(op: "avg_pool2d", n: n, c: c, h: h, w: w, rows: rows, cols: cols,
                           countIncludePad: countIncludePad)
    }

    /// Average pooling to a fixed output size with PyTorch's adaptive bins
    /// (⌊i·H/out⌋ ..< ⌈(i+1)·H/out⌉), as VGG and AlexNet use before their classifier.
    public func adaptiveAvgPool2d(height: Int, width: Int) throws -> Tensor {
        let op = "adaptiveAvgPool2d"
        let (n, c, h, w) = try poolPlanes(op: op)
        guard height > 0, width > 0 else {
            throw TensorError.invalidArgument(op: op, "output size \(height)×\(width) must be positive")
        }
        return averagePool(op: "adaptive_avg_pool2d", n: n, c: c, h: h, w: w,
                           rows: PoolAxis.adaptive(input: h, output: height),
                           cols: PoolAxis.adaptive(input: w, output: width), countIncludePad: true)
    }

    /// Mean of each H×W plane: [N, C, H, W] → [N, C].
    public func globalAvgPool2d() throws -> Tensor {
        let (n, c, h, w) = try poolPlanes(op: "globalAvgPool2d")
        let planes = n * c, size = h * w
        var out = Tensor(zeros: [n, c])
        let px = pointer, po = out.mutablePointer
        Parallel.forEach(planes, elements: count) { plane in
            // Planes can be large (112×112); a Double sum keeps the mean exact to Float.
            var total: Double = 0
            let src = px + plane * size
            for i in 0..<size { total += Double(src[i]) }
            po[plane] = Float(total / Double(size))
        }
        let inShape = shape
        return Tensor.record("global_avg_pool2d", out, inputs: [self]) { g, _ in
            var dx = Tensor(zeros: inShape)
            let pg = g.pointer, pd = dx.mutablePointer
            let share = 1 / Float(size)
            Parallel.forEach(planes, elements: dx.count) { plane in
                (pd + plane * size).update(repeating: pg[plane] * share, count: size)
            }
            return [dx]
        }
    }

    /// Average over separable windows; shared by `avgPool2d` and `adaptiveAvgPool2d`.
    private func averagePool(
        op: String, n: Int, c: Int, h: Int, w: Int, rows: PoolAxis, cols: PoolAxis, countIncludePad: Bool
    ) -> Tensor {
        let (oh, ow) = (rows.count, cols.count)
        let planes = n * c, inPlane = h * w, outPlane = oh * ow
        // The divisor of each output position, shared by every plane and by backward.
        var divisor = [Float](repeating: 1, count: outPlane)
        for oy in 0..<oh {
            for ox in 0..<ow {
                divisor[oy * ow + ox] = countIncludePad
                    ? Float(rows.span[oy] * cols.span[ox])
                    : Float((rows.end[oy] - rows.start[oy]) * (cols.end[ox] - cols.start[ox]))
            }
        }
        var out = Tensor(zeros: [n, c, oh, ow])
        let px = pointer, po = out.mutablePointer
        Parallel.forEach(planes, elements: count) { plane in
            let src = px + plane * inPlane, dst = po + plane * outPlane
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var total: Float = 0
                    for y in rows.start[oy]..<rows.end[oy] {
                        for xx in cols.start[ox]..<cols.end[ox] { total += src[y * w + xx] }
                    }
                    dst[oy * ow + ox] = total / divisor[oy * ow + ox]
                }
            }
        }
        let inShape = shape
        return Tensor.record(op, out, inputs: [self]) { g, _ in
            var dx = Tensor(zeros: inShape)
            let pg = g.pointer, pd = dx.mutablePointer
            Parallel.forEach(planes, elements: dx.count) { plane in
                let d = pd + plane * inPlane, gp = pg + plane * outPlane
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let share = gp[oy * ow + ox] / divisor[oy * ow + ox]
                        for y in rows.start[oy]..<rows.end[oy] {
                            for xx in cols.start[ox]..<cols.end[ox] { d[y * w + xx] += share }
                        }
                    }
                }
            }
            return [dx]
        }
    }

    /// N, C, H, W of a pooling input, which must be NCHW with non-empty planes.
    private func poolPlanes(op: String) throws -> (Int, Int, Int, Int) {
        guard rank == 4 else {
            throw TensorError.invalidArgument(op: op, "expects an NCHW tensor of rank 4, got shape \(shape)")
        }
        guard shape[2] > 0, shape[3] > 0 else {
            throw TensorError.invalidArgument(op: op, "empty spatial plane in shape \(shape)")
        }
        return (shape[0], shape[1], shape[2], shape[3])
    }

    /// The output size of a sliding pool along an axis of `input` elements, after the same
    /// checks the pool makes: shape inference without running it.
    public static func pool2dOutputSize(
        op: String = "pool2d", input: Int, kernel: Int, stride: Int?, padding: Int, ceilMode: Bool = false
    ) throws -> Int {
        let step = try poolArguments(op: op, kernel: kernel, stride: stride, padding: padding)
        return try PoolAxis.outputCount(input: input, kernel: kernel, stride: step, padding: padding,
                                        ceilMode: ceilMode, axis: "size", op: op)
    }

    /// PyTorch's argument checks for a sliding pool; returns the stride.
    private static func poolArguments(op: String, kernel: Int, stride: Int?, padding: Int) throws -> Int {
        let step = stride ?? kernel
        guard kernel > 0 else { throw TensorError.invalidArgument(op: op, "kernel \(kernel) must be positive") }
        guard step > 0 else { throw TensorError.invalidArgument(op: op, "stride \(step) must be positive") }
        // Past half a kernel a window could lie entirely in the padding.
        guard padding >= 0, padding <= kernel / 2 else {
            throw TensorError.invalidArgument(
                op: op, "padding \(padding) must be between 0 and half the kernel (\(kernel / 2))")
        }
        return step
    }

    /// Row and column windows of a sliding pool, after PyTorch's argument checks.
    private func slidingWindows(
        op: String, height: Int, width: Int, kernel: Int, stride: Int?, padding: Int, ceilMode: Bool
    ) throws -> (rows: PoolAxis, cols: PoolAxis) {
        let step = try Self.poolArguments(op: op, kernel: kernel, stride: stride, padding: padding)
        let rows = try PoolAxis.sliding(input: height, kernel: kernel, stride: step, padding: padding,
                                        ceilMode: ceilMode, axis: "height of \(shape)", op: op)
        let cols = try PoolAxis.sliding(input: width, kernel: kernel, stride: step, padding: padding,
                                        ceilMode: ceilMode, axis: "width of \(shape)", op: op)
        return (rows, cols)
    }
}

/// One plane of a 2×2, stride-2, unpadded max pool (CLoupeKernels); `codes` gets which of
/// the four won (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right). The same scan
/// order, ties and NaN rule as the general loop: a later candidate is taken when it is
/// larger or NaN. The kernel selects rather than branches: which of the four wins is a coin
/// toss on real activations, and mispredictions dominated a scalar loop.
@inline(__always)
private func maxPool2x2Plane(
    _ src: UnsafePointer<Float>, width w: Int, outH oh: Int, outW ow: Int,
    into dst: UnsafeMutablePointer<Float>, codes: UnsafeMutablePointer<UInt8>, readableEnd: UnsafePointer<Float>,
    variant: Int32
) {
    loupe_max_pool_2x2(variant, src, w, oh, ow, dst, codes, readableEnd)
}
