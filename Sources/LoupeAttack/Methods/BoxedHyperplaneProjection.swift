/// The smallest change δ, in L∞ or L2, that moves a point p onto the hyperplane
/// ⟨w, z⟩ = ⟨w, p⟩ + c while keeping p + δ in [0, 1]^d: the projection FAB takes at every
/// step (Croce & Hein 2020, "Minimally distorted adversarial examples with a fast adaptive
/// boundary attack", Sec. 3.1), solved exactly.
///
/// Each coordinate moves toward the plane, in the direction s_i = sign(c·w_i), by at most
/// its room in the box, cap_i (1 − p_i upward, p_i downward). For L∞ the optimum is
/// δ_i = s_i·min(t, cap_i) with the smallest t that reaches the plane; for L2 it is
/// δ_i = s_i·min(t·|w_i|, cap_i) (the KKT conditions: δ = clip(λw) to the box). Both
/// reach ⟨w, δ⟩·sign(c) = Σ|w_i|·min(t·k_i, cap_i), piecewise linear and increasing in t
/// with breakpoints cap_i / k_i (k_i = 1 for L∞, |w_i| for L2), so sorting the
/// breakpoints finds t in one sweep. When the box cannot reach the plane, every
/// coordinate goes to the edge of the box toward it.
enum BoxedHyperplaneProjection {
    static func delta(from p: ArraySlice<Float>, normal w: ArraySlice<Float>, offset c: Float,
                      norm: AttackConfig.Norm) -> [Float] {
        let d = p.count
        var delta = [Float](repeating: 0, count: d)
        guard c != 0 && c.isFinite else { return delta }
        let (p0, w0) = (p.startIndex, w.startIndex)
        var moving: [(breakpoint: Double, index: Int)] = []
        moving.reserveCapacity(d)
        var slope: Double = 0   // d/dt of the progress while no coordinate has hit its cap
        for i in 0..<d {
            let wi = w[w0 + i]
            guard wi != 0 && wi.isFinite else { continue }
            let up = (c > 0) == (wi > 0)
            let cap = Double(up ? 1 - p[p0 + i] : p[p0 + i])
            let k = norm == .linf ? 1 : Double(Swift.abs(wi))
            moving.append((max(cap, 0) / k, i))
            slope += Double(Swift.abs(wi)) * k
        }
        moving.sort { $0.breakpoint < $1.breakpoint || $0.breakpoint == $1.breakpoint && $0.index < $1.index }
        let target = Double(Swift.abs(c))
        var reached: Double = 0, last: Double = 0
        var t = Double.infinity
        for (breakpoint, i) in moving {
            let atBreakpoint = reached + slope * (breakpoint - last)
            if atBreakpoint >= target {
                t = last + (target - reached) / slope
                break
            }
            reached = atBreakpoint
            last = breakpoint
            let wi = Double(Swift.abs(w[w0 + i]))
            slope -= wi * (norm == .linf ? 1 : wi)
        }
        for i in 0..<d {
            let wi = w[w0 + i]
            guard wi != 0 && wi.isFinite else { continue }
            let up = (c > 0) == (wi > 0)
            let cap = Double(max(up ? 1 - p[p0 + i] : p[p0 + i], 0))
            let move = min(t * (norm == .linf ? 1 : Double(Swift.abs(wi))), cap)
            delta[i] = Float(up ? move : -move)
        }
        return delta
    }
}
