extension Tensor {
    /// Matrix product of [M, K] and [K, N] (cblas_sgemm).
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard rank == 2, other.rank == 2, shape[1] == other.shape[0] else {
            throw TensorError.shapeMismatch(op: "matmul", shape, other.shape)
        }
        let (m, k, n) = (shape[0], shape[1], other.shape[1])
        let a = detached, b = other.detached
        KernelPolicy.count(multiplyAdds: m * n * k)
        let y = Tensor.gemmResult(m: m, n: n) { c in
            gemm(m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n, c: c, ldc: n)
        }
        return Tensor.record("matmul", y, inputs: [self, other]) { g, ctx in
            // dA = G·Bᵀ, dB = Aᵀ·G
            KernelPolicy.count(multiplyAdds: m * n * k * ((ctx.needs[0] ? 1 : 0) + (ctx.needs[1] ? 1 : 0)))
            let da = ctx.needs[0] ? Tensor.gemmResult(m: m, n: k) { c in
                gemm(transB: true, m: m, n: k, k: n, a: g.pointer, lda: n, b: b.pointer, ldb: n, c: c, ldc: k)
            } : nil
            let db = ctx.needs[1] ? Tensor.gemmResult(m: k, n: n) { c in
                gemm(transA: true, m: k, n: n, k: m, a: a.pointer, lda: k, b: g.pointer, ldb: n, c: c, ldc: n)
            } : nil
            return [da, db]
        }
    }

    /// y = x·Wᵀ + b for x [N, in], weight [out, in], bias [out] (PyTorch's layout).
    public func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        guard rank == 2, weight.rank == 2, shape[1] == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "linear", shape, weight.shape)
        }
        let (batch, inF, outF) = (shape[0], shape[1], weight.shape[0])
        if let bias, bias.shape != [outF] {
            throw TensorError.shapeMismatch(op: "linear bias", bias.shape, [outF])
        }
        let x = detached, w = weight.detached
        KernelPolicy.count(multiplyAdds: batch * inF * outF)
        var y = Tensor.gemmResult(m: batch, n: outF) { c in
            gemm(transB: true, m: batch, n: outF, k: inF, a: x.pointer, lda: inF, b: w.pointer, ldb: inF,
                 c: c, ldc: outF)
        }
        if let bias {
            let p = y.mutablePointer, b = bias.pointer
            for r in 0..<batch { for j in 0..<outF { p[r * outF + j] += b[j] } }
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record("linear", y, inputs: inputs) { g, ctx in
            KernelPolicy.count(multiplyAdds: batch * inF * outF * ((ctx.needs[0] ? 1 : 0) + (ctx.needs[1] ? 1 : 0)))
            let dx = ctx.needs[0] ? Tensor.gemmResult(m: batch, n: inF) { c in
                gemm(m: batch, n: inF, k: outF, a: g.pointer, lda: outF, b: w.pointer, ldb: inF, c: c, ldc: inF)
            } : nil
            var dw: Tensor?
            if ctx.needs[1] {
                KernelPolicy.countWeightGradient()
                dw = Tensor.gemmResult(m: outF, n: inF) { c in
                    gemm(transA: true, m: outF, n: inF, k: batch, a: g.pointer, lda: outF, b: x.pointer, ldb: inF,
                         c: c, ldc: inF)
                }
            }
            var grads = [dx, dw]
            if inputs.count == 3 {
                grads.append(ctx.needs[2] ? try g.sum(axes: [0]) : nil)
            }
            return grads
        }
    }

    /// Runs a GEMM into a fresh [m, n] tensor.
    @inline(__always)
    static func gemmResult(m: Int, n: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        var out = Tensor(zeros: [m, n])
        fill(out.mutablePointer)
        return out
    }
}
