import CFFTW
import Foundation

/// Single-precision 2-D real FFTs through FFTW, one plan per (direction, H, W).
///
/// FFTW's planner is not thread-safe, so plans are created once, under a lock, and kept
/// for the life of the process. Executing a plan on new arrays (`fftwf_execute_dft_r2c`
/// / `_c2r`) is thread-safe, so planes run in parallel, each on its own scratch buffers.
/// Scratch and planning buffers share one alignment, as the new-array interface requires,
/// and copying through scratch also keeps c2r (which destroys its input) off tensor storage.
enum FFTW {
    private static let alignment = 64

    private final class Plan: @unchecked Sendable {
        let plan: OpaquePointer
        // The planning arrays stay allocated as long as the plan exists.
        let real: UnsafeMutableRawPointer, complex: UnsafeMutableRawPointer

        init?(forward: Bool, h: Int, w: Int) {
            real = FFTW.allocate(floats: h * w)
            complex = FFTW.allocate(floats: h * (w / 2 + 1) * 2)
            let r = real.assumingMemoryBound(to: Float.self)
            let c = complex.assumingMemoryBound(to: fftwf_complex.self)
            // ESTIMATE plans without touching the arrays and is fast enough for the
            // image sizes here; MEASURE would time candidates on every new shape.
            let made = forward
                ? fftwf_plan_dft_r2c_2d(Int32(h), Int32(w), r, c, UInt32(FFTW_ESTIMATE))
                : fftwf_plan_dft_c2r_2d(Int32(h), Int32(w), c, r, UInt32(FFTW_ESTIMATE))
            guard let made else {
                real.deallocate()
                complex.deallocate()
                return nil
            }
            plan = made
        }
    }

    private struct Key: Hashable { let forward: Bool, h: Int, w: Int }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var plans: [Key: Plan] = [:]

    private static func plan(forward: Bool, h: Int, w: Int, op: String) throws -> Plan {
        guard h <= Int(Int32.max), w <= Int(Int32.max) else {
            throw TensorError.invalidArgument(op: op, "image \(h)×\(w) is too large for FFTW")
        }
        return try lock.withLock {
            let key = Key(forward: forward, h: h, w: w)
            if let p = plans[key] { return p }
            guard let p = Plan(forward: forward, h: h, w: w) else {
                throw TensorError.invalidArgument(op: op, "FFTW could not plan a \(h)×\(w) transform")
            }
            plans[key] = p
            return p
        }
    }

    private static func allocate(floats: Int) -> UnsafeMutableRawPointer {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(floats, 1) * 4, alignment: alignment)
        raw.initializeMemory(as: Float.self, repeating: 0, count: Swift.max(floats, 1))
        return raw
    }

    /// Unnormalized forward real-to-half-complex transform of `planes` planes of h×w:
    /// X[k, l] = Σ x[y, x]·e^{−2πi(ky/H + lx/W)} for l in 0...W/2, written interleaved
    /// (re, im) to `dst`; column l is then multiplied by `columnWeight[l]`.
    static func r2c(
        planes: Int, h: Int, w: Int, src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>,
        columnWeight: [Float], op: String
    ) throws {
        let n = h * w, nc = h * (w / 2 + 1) * 2
        try forEachPlane(planes, forward: true, h: h, w: w, op: op) { p, plan, r, c in
            r.update(from: src + p * n, count: n)
            fftwf_execute_dft_r2c(plan, r, UnsafeMutableRawPointer(c).assumingMemoryBound(to: fftwf_complex.self))
            weightColumns(c, into: dst + p * nc, h: h, w: w, columnWeight)
        }
    }

    /// The unnormalized half-complex-to-real transform, after multiplying column l of the
    /// input by `columnWeight[l]`:
    ///     x[y, x] = Re Σ_k Σ_{l=0}^{W/2} c_l·Z[k, l]·e^{+2πi(ky/H + lx/W)},
    /// c_l = 1 for the DC column (and the Nyquist column when W is even), 2 for the rest.
    /// That is numpy's irfft2 without the 1/(HW): the DC and Nyquist columns are first
    /// replaced by their Hermitian part (Z[k] + conj Z[−k]) / 2, which is exactly what
    /// taking the real part of their inverse transform along H does. FFTW assumes a
    /// Hermitian input there, so projecting explicitly makes the result independent of
    /// how FFTW happens to decompose the transform.
    static func c2r(
        planes: Int, h: Int, w: Int, src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>,
        columnWeight: [Float], op: String
    ) throws {
        let wc = w / 2 + 1, n = h * w, nc = h * wc * 2
        let selfConjugate = w % 2 == 0 ? [0, w / 2] : [0]
        try forEachPlane(planes, forward: false, h: h, w: w, op: op) { p, plan, r, c in
            weightColumns(src + p * nc, into: c, h: h, w: w, columnWeight)
            for l in selfConjugate {
                // Pairs (k, H−k) meet in the middle; k = 0 and k = H/2 pair with themselves.
                for k in 0...(h / 2) {
                    let m = (h - k) % h
                    let a = (k * wc + l) * 2, b = (m * wc + l) * 2
                    let re = (c[a] + c[b]) / 2, im = (c[a + 1] - c[b + 1]) / 2
                    c[a] = re
                    c[a + 1] = im
                    c[b] = re
                    c[b + 1] = -im
                }
            }
            fftwf_execute_dft_c2r(plan, UnsafeMutableRawPointer(c).assumingMemoryBound(to: fftwf_complex.self), r)
            (dst + p * n).update(from: r, count: n)
        }
    }

    /// Runs `body(p, plan, real, complex)` for planes 0..<planes in parallel, each on its
    /// own scratch: an h×w real plane and its h×(w/2 + 1) interleaved complex transform.
    private static func forEachPlane(
        _ planes: Int, forward: Bool, h: Int, w: Int, op: String,
        _ body: (Int, OpaquePointer, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    ) throws {
        let plan = try plan(forward: forward, h: h, w: w, op: op).plan
        let n = h * w, nc = h * (w / 2 + 1) * 2
        Parallel.forEach(planes) { p in
            let real = allocate(floats: n), complex = allocate(floats: nc)
            defer { real.deallocate(); complex.deallocate() }
            body(p, plan, real.assumingMemoryBound(to: Float.self), complex.assumingMemoryBound(to: Float.self))
        }
    }

    /// dst = src with column l of every row of an h×(w/2 + 1) interleaved complex plane
    /// multiplied by `weight[l]`.
    @inline(__always)
    private static func weightColumns(
        _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, h: Int, w: Int, _ weight: [Float]
    ) {
        let wc = w / 2 + 1
        for k in 0..<h {
            for l in 0..<wc {
                let i = (k * wc + l) * 2
                dst[i] = src[i] * weight[l]
                dst[i + 1] = src[i + 1] * weight[l]
            }
        }
    }
}
