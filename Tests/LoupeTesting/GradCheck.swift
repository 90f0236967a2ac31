import LoupeTensor
import XCTest

/// Finite-difference gradient checking, shared by every test target.
///
/// The op under test is reduced to a scalar by a fixed random projection,
/// L = Σ f(x)·R, so every output element contributes with its own weight.
/// Analytic gradients come from `backward`; numeric ones from central differences,
/// with the loss accumulated in Double so that only the op's own Float32 rounding
/// remains. Large inputs are checked on a seeded sample of their elements.
public func checkGradients(
    _ inputs: [Tensor],
    eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3, samples: Int = 48, seed: UInt64 = 7,
    file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Tensor]) throws -> Tensor
) throws {
    let leaves = inputs.map { $0.requiringGrad() }
    let out = try f(leaves)
    let projection = try Tensor.randomNormal(out.shape, stream: RandomStream(seed: seed, key: [1]))
    let loss = try (out * projection).sum()
    try loss.backward()

    func lossValue(_ xs: [Tensor]) throws -> Double {
        let y = try Autograd.noGrad { try f(xs) }
        return zip(y.scalars, projection.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    var stream = RandomStream(seed: seed, key: [2])
    for (i, leaf) in leaves.enumerated() {
        let analytic = leaf.grad?.scalars ?? [Float](repeating: 0, count: leaf.count)
        let indices = leaf.count <= samples ? Array(0..<leaf.count) : (0..<samples).map { _ in stream.nextInt(leaf.count) }
        for j in indices {
            var plus = inputs, minus = inputs
            plus[i] = inputs[i].adding(eps, at: j)
            minus[i] = inputs[i].adding(-eps, at: j)
            let numeric = Float((try lossValue(plus) - lossValue(minus)) / Double(2 * eps))
            let a = analytic[j]
            if abs(a - numeric) > atol + rtol * max(abs(a), abs(numeric)) {
                XCTFail("input \(i) \(inputs[i].shape) element \(j): analytic \(a) vs numeric \(numeric)",
                        file: file, line: line)
                return
            }
        }
    }
}

extension Tensor {
    /// A copy with `delta` added to one element (no tape).
    func adding(_ delta: Float, at index: Int) -> Tensor {
        var t = detached
        t.withMutableScalars { $0[index] += delta }
        return t
    }
}

/// A seeded random tensor for tests.
public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    // Shapes in tests are literals; a failure here is a bug in the test itself.
    try! Tensor.randomNormal(shape, std: scale, stream: RandomStream(seed: seed, key: [99]))
}

/// Asserts two float arrays agree elementwise within a tolerance.
public func assertClose(
    _ a: [Float], _ b: [Float], tol: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line
) {
    guard a.count == b.count else {
        XCTFail("counts differ: \(a.count) vs \(b.count)", file: file, line: line)
        return
    }
    for i in a.indices where abs(a[i] - b[i]) > tol * max(1, abs(b[i])) {
        XCTFail("element \(i): \(a[i]) vs \(b[i])", file: file, line: line)
        return
    }
}
