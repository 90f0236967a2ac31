import Foundation

// Binary ops broadcast their operands; each backward sums the gradient back down
// to the operand's own shape.

public func + (a: Tensor, b: Tensor) throws -> Tensor {
    let y = try Tensor.zipBroadcast(a, b, op: "add", +)
    return Tensor.record("add", y, inputs: [a, b]) { g, ctx in
        [ctx.needs[0] ? try g.sum(toShape: a.shape) : nil,
         ctx.needs[1] ? try g.sum(toShape: b.shape) : nil]
    }
}

public func - (a: Tensor, b: Tensor) throws -> Tensor {
    let y = try Tensor.zipBroadcast(a, b, op: "sub", -)
    return Tensor.record("sub", y, inputs: [a, b]) { g, ctx in
        [ctx.needs[0] ? try g.sum(toShape: a.shape) : nil,
         ctx.needs[1] ? try g.map { -$0 }.sum(toShape: b.shape) : nil]
    }
}

public func * (a: Tensor, b: Tensor) throws -> Tensor {
    let y = try Tensor.zipBroadcast(a, b, op: "mul", *)
    return Tensor.record("mul", y, inputs: [a, b]) { g, ctx in
        [ctx.needs[0] ? try Tensor.zipBroadcast(g, b.detached, op: "mul", *).sum(toShape: a.shape) : nil,
         ctx.needs[1] ? try Tensor.zipBroadcast(g, a.detached, op: "mul", *).sum(toShape: b.shape) : nil]
    }
}

public func / (a: Tensor, b: Tensor) throws -> Tensor {
    let y = try Tensor.zipBroadcast(a, b, op: "div", /)
    return Tensor.record("div", y, inputs: [a, b]) { g, ctx in
        // d(a/b)/db = -(a/b)/b
        [ctx.needs[0] ? try Tensor.zipBroadcast(g, b.detached, op: "div", /).sum(toShape: a.shape) : nil,
         ctx.needs[1]
            ? try Tensor.zipBroadcast(
                Tensor.zipBroadcast(g, y.detached, op: "div", *), b.detached, op: "div") { -$0 / $1 }
                .sum(toShape: b.shape)
            : nil]
    }
}

/// Elementwise minimum; ties send the gradient to the first operand.
public func minimum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    try selectBroadcast(a, b, op: "minimum") { $0 <= $1 }
}

/// Elementwise maximum; ties send the gradient to the first operand.
public func maximum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    try selectBroadcast(a, b, op: "maximum") { $0 >= $1 }
}

private func selectBroadcast(
    _ a: Tensor, _ b: Tensor, op: String, _ takeFirst: @escaping (Float, Float) -> Bool
) throws -> Tensor {
    let y = try Tensor.zipBroadcast(a, b, op: op) { takeFirst($0, $1) ? $0 : $1 }
    let mask = try Tensor.zipBroadcast(a, b, op: op) { takeFirst($0, $1) ? 1 : 0 }
    return Tensor.record(op, y, inputs: [a, b]) { g, ctx in
        [ctx.needs[0] ? try Tensor.zipBroadcast(g, mask, op: op, *).sum(toShape: a.shape) : nil,
         ctx.needs[1] ? try Tensor.zipBroadcast(g, mask, op: op) { $0 * (1 - $1) }.sum(toShape: b.shape) : nil]
    }
}

// Scalar operands never fail, so these do not throw.

public func + (a: Tensor, s: Float) -> Tensor { a.unary("add", { $0 + s }, grad: { _, _, g in g }) }
public func + (s: Float, a: Tensor) -> Tensor { a + s }
public func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
public func - (s: Float, a: Tensor) -> Tensor { a.unary("rsub", { s - $0 }, grad: { _, _, g in -g }) }
public func * (a: Tensor, s: Float) -> Tensor { a.unary("scale", { $0 * s }, grad: { _, _, g in g * s }) }
public func * (s: Float, a: Tensor) -> Tensor { a * s }
public func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
public prefix func - (a: Tensor) -> Tensor { a.unary("neg", { -$0 }, grad: { _, _, g in -g }) }

extension Tensor {
    /// An elementwise op whose derivative is a function of input x, output y and the
    /// incoming gradient g: backward is `grad(x, y, g)` for every element.
    @inline(__always)
    func unary(
        _ op: String, _ f: (Float) -> Float, grad: @escaping (_ x: Float, _ y: Float, _ g: Float) -> Float
    ) -> Tensor {
        let y = map(f)
        let x = self.detached
        return Tensor.record(op, y, inputs: [self]) { g, _ in
            var out = Tensor(uninitialized: g.shape)
            let px = x.pointer, py = y.pointer, pg = g.pointer, po = out.mutablePointer
            for i in 0..<out.count { po[i] = grad(px[i], py[i], pg[i]) }
            return [out]
        }
    }

    public func pow(_ p: Float) -> Tensor {
        unary("pow", { Foundation.pow($0, p) }, grad: { x, _, g in g * p * Foundation.pow(x, p - 1) })
    }

    public func sqrt() -> Tensor {
        unary("sqrt", { $0.squareRoot() }, grad: { _, y, g in g * 0.5 / y })
    }

    public func exp() -> Tensor {
        unary("exp", { Foundation.exp($0) }, grad: { _, y, g in g * y })
    }

    public func log() -> Tensor {
        unary("log", { Foundation.log($0) }, grad: { x, _, g in g / x })
    }

    /// |x|; the gradient at 0 is 0 (the subgradient PyTorch uses).
    public func abs() -> Tensor {
        unary("abs", { Swift.abs($0) }, grad: { x, _, g in x > 0 ? g : (x < 0 ? -g : 0) })
    }

    /// Clamps into [low, high]; the gradient passes inside the range, bounds included (as PyTorch).
    public func clamp(min low: Float = -.infinity, max high: Float = .infinity) throws -> Tensor {
        guard low <= high else {
            throw TensorError.invalidArgument(op: "clamp", "min \(low) is above max \(high)")
        }
        return unary("clamp", { Swift.min(Swift.max($0, low), high) },
                     grad: { x, _, g in x >= low && x <= high ? g : 0 })
    }

    /// Elementwise sign (−1, 0, 1). Not differentiable: the result is a constant.
    public func sign() -> Tensor {
        detached.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    }
}
