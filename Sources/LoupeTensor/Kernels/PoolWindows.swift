/// Where each output position's window lies along one spatial axis of a pooling op.
///
/// Pooling windows are separable: a 2-D window is the product of a row range and a
/// column range, so both axes are described once and every kernel loops over
/// `start[o]..<end[o]` (already clamped to the input). `span[o]` is the window length
/// that average pooling divides by when padding counts (PyTorch's `count_include_pad`):
/// it includes the zero padding but not what a ceil-mode window hangs past it.
struct PoolAxis {
    var start: [Int]
    var end: [Int]
    var span: [Int]

    var count: Int { start.count }

    /// Sliding windows with PyTorch's output-size rule (`pooling_output_shape`):
    /// out = ⌊(n + 2p − k [+ s − 1]) / s⌋ + 1, and in ceil mode a last window that would
    /// start inside the right padding is dropped.
    /// The number of windows `sliding` makes, with overflow-checked arithmetic (the sizes
    /// may come from a user's model spec).
    static func outputCount(
        input n: Int, kernel k: Int, stride s: Int, padding p: Int, ceilMode: Bool, axis: String, op: String
    ) throws -> Int {
        guard let padded = CheckedSize.multiply(2, p).flatMap({ CheckedSize.add(n, $0) }),
              let numerator = CheckedSize.add(padded - k, ceilMode ? s - 1 : 0) else {
            throw TensorError.invalidArgument(op: op, "\(axis) \(n) with padding \(p) and stride \(s) overflows")
        }
        guard numerator >= 0 else {
            throw TensorError.invalidArgument(
                op: op, "kernel \(k) is larger than the padded \(axis) \(n) + 2·\(p)")
        }
        var out = numerator / s + 1
        if ceilMode && (out - 1) * s >= n + p { out -= 1 }
        return out
    }

    static func sliding(
        input n: Int, kernel k: Int, stride s: Int, padding p: Int, ceilMode: Bool, axis: String, op: String
    ) throws -> PoolAxis {
        let out = try outputCount(input: n, kernel: k, stride: s, padding: p, ceilMode: ceilMode, axis: axis, op: op)
        var axisWindows = PoolAxis(start: [], end: [], span: [])
        axisWindows.start.reserveCapacity(out)
        for o in 0..<out {
            let first = o * s - p
            let last = Swift.min(first + k, n + p)
            axisWindows.span.append(last - first)
            axisWindows.start.append(Swift.max(first, 0))
            axisWindows.end.append(Swift.min(last, n))
        }
        return axisWindows
    }

    /// PyTorch's adaptive bins: bin i covers ⌊i·n/out⌋ ..< ⌈(i+1)·n/out⌉, so bins
    /// overlap when n is not a multiple of out (and repeat inputs when out > n).
    static func adaptive(input n: Int, output out: Int) -> PoolAxis {
        var axisWindows = PoolAxis(start: [], end: [], span: [])
        for i in 0..<out {
            let first = i * n / out
            let last = ((i + 1) * n + out - 1) / out
            axisWindows.start.append(first)
            axisWindows.end.append(last)
            axisWindows.span.append(last - first)
        }
        return axisWindows
    }
}

extension Parallel {
    /// Runs `body(i)` for i in 0..<n, on Loupe's workers only when there are enough
    /// `elements` in all to pay for waking threads. Each index must be independent,
    /// so the result is the same either way.
    static func forEach(_ n: Int, elements: Int, _ body: (Int) -> Void) {
        if n < 2 || elements < 1 << 15 {
            for i in 0..<n { body(i) }
        } else {
            forEach(n, body)
        }
    }
}
