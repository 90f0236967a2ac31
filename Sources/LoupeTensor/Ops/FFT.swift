extension Tensor {
    /// 2-D real FFT of the last two axes: [..., H, W] → [..., H, W/2+1, 2], real and
    /// imaginary parts in the last axis. Unnormalized, as `numpy.fft.rfft2`:
    /// X[k, l] = Σ_{y,x} x[y, x]·e^{−2πi(ky/H + lx/W)}, l = 0…W/2.
    ///
    /// Gradient. Write G = ∂L/∂Re X + i·∂L/∂Im X. Since Re X = Σ x cos θ and
    /// Im X = −Σ x sin θ (θ = 2π(ky/H + lx/W)),
    ///     ∂L/∂x[y, x] = Σ_{k, l=0…W/2} (Gre cos θ − Gim sin θ) = Re Σ_{k,l} G[k, l]·e^{+iθ}:
    /// every stored column once. `FFTW.c2r` counts the middle columns twice (they stand
    /// for their conjugate partners too), so the backward halves them first; its Hermitian
    /// projection of the DC/Nyquist columns leaves Re Σ_k G e^{+iθ} unchanged there.
    public func rfft2() throws -> Tensor {
        let planes = try ImagePlanes(shape, op: "rfft2")
        let (h, w) = (planes.height, planes.width)
        let wc = w / 2 + 1
        var out = Tensor(zeros: Array(shape.dropLast()) + [wc, 2])
        try FFTW.r2c(planes: planes.count, h: h, w: w, src: pointer, dst: out.mutablePointer,
                     columnWeight: [Float](repeating: 1, count: wc), op: "rfft2")
        let inShape = shape
        let halfMiddle = Tensor.fftColumnCounts(w).map { 1 / $0 }
        return Tensor.record("rfft2", out, inputs: [self]) { g, _ in
            var dx = Tensor(zeros: inShape)
            try FFTW.c2r(planes: planes.count, h: h, w: w, src: g.pointer, dst: dx.mutablePointer,
                         columnWeight: halfMiddle, op: "rfft2 backward")
            return [dx]
        }
    }

    /// Inverse of `rfft2`: [..., H, width/2+1, 2] → [..., H, width], equal to
    /// `numpy.fft.irfft2(z, s=(H, width))` including its 1/(H·width) normalization.
    /// `width` is needed because W/2+1 columns fit both an even and an odd W.
    ///
    /// Like numpy (inverse FFT along H, then a real inverse FFT along W that reads only
    /// the real part of the DC and Nyquist bins), the DC column and, for even width,
    /// the Nyquist column enter only through their Hermitian part
    /// (Z[k] + conj Z[−k]) / 2: the imaginary parts of Z[0, 0] (and Z[H/2, 0], Z[0, W/2],
    /// Z[H/2, W/2]) are ignored outright, and of the other pairs only the difference
    /// Im Z[k] − Im Z[−k] matters. The other columns count twice, for themselves and
    /// their implied conjugate partners.
    ///
    /// Gradient. The forward is x = C(Z)/(HW) with
    ///     C(Z)[y, x] = Re Σ_{k,l} c_l·Z[k, l]·e^{+iθ},  c_l = 1 (DC, Nyquist) or 2,
    /// (the Hermitian projection drops out of the real part, see `FFTW.c2r`). For a real
    /// gradient g on x,
    ///     ⟨C(Z), g⟩ = Σ_{k,l} c_l·Re(Z[k, l]·Σ_{y,x} g e^{+iθ}) = Σ c_l·Re(Z·conj(R)),
    /// R = rfft2(g); and Re(Z·conj R) = Re Z·Re R + Im Z·Im R. So
    ///     ∂L/∂Re Z = c_l·Re R / (HW),  ∂L/∂Im Z = c_l·Im R / (HW):
    /// a forward FFT of g with the middle columns doubled. Im R vanishes exactly where
    /// the forward ignores Im Z (self-conjugate bins), so those get zero gradient, and
    /// conjugate pairs in the DC/Nyquist columns get equal and opposite ones.
    public func irfft2(width: Int) throws -> Tensor {
        let planes = try ImagePlanes(shape, op: "irfft2", trailing: 1)
        let (h, wc) = (planes.height, planes.width)
        guard shape.last == 2, width > 0, wc == width / 2 + 1 else {
            throw TensorError.invalidArgument(
                op: "irfft2", "needs shape [..., H, width/2+1, 2] = [..., H, \(Swift.max(width, 0) / 2 + 1), 2]"
                    + " for width \(width), got \(shape)")
        }
        let outShape = Array(shape.dropLast(2)) + [width]
        let scale = 1 / Float(h * width)
        var out = Tensor(zeros: outShape)
        try FFTW.c2r(planes: planes.count, h: h, w: width, src: pointer, dst: out.mutablePointer,
                     columnWeight: [Float](repeating: scale, count: wc), op: "irfft2")
        let inShape = shape
        let weights = Tensor.fftColumnCounts(width).map { $0 * scale }
        return Tensor.record("irfft2", out, inputs: [self]) { g, _ in
            var dz = Tensor(zeros: inShape)
            try FFTW.r2c(planes: planes.count, h: h, w: width, src: g.pointer, dst: dz.mutablePointer,
                         columnWeight: weights, op: "irfft2 backward")
            return [dz]
        }
    }

    /// How many columns of the full W-point spectrum each stored column l = 0…W/2 stands
    /// for: 1 for DC and (even W) Nyquist, which are their own conjugates, 2 for the rest.
    static func fftColumnCounts(_ w: Int) -> [Float] {
        (0...(w / 2)).map { l in l == 0 || 2 * l == w ? 1 : 2 }
    }
}
