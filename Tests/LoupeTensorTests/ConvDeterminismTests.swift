import LoupeTensor
import LoupeTesting
import XCTest

/// The conv kernels split work by batch item, group, channel or GEMM rows depending on
/// the thread count; none of those splits may change a single bit of any result.
final class ConvDeterminismTests: XCTestCase {
    struct Run: Equatable {
        var y: [Float], dx: [Float], dw: [Float], db: [Float]

        /// The first differing element of each output, short enough to read in a failure.
        func differences(from other: Run) -> String {
            let fields = [("y", y, other.y), ("dx", dx, other.dx), ("dw", dw, other.dw), ("db", db, other.db)]
            return fields.compactMap { name, a, b in
                guard a != b else { return nil }
                guard a.count == b.count else { return "\(name): \(a.count) vs \(b.count) elements" }
                let i = a.indices.first { a[$0] != b[$0] } ?? 0
                return "\(name)[\(i)]: \(a[i]) vs \(b[i])"
            }.joined(separator: "; ")
        }
    }

    func assertSame(_ c: ConvConfig, transpose: Bool, line: UInt = #line) throws {
        let one = try run(c, transpose: transpose, threads: 1), two = try run(c, transpose: transpose, threads: 2)
        XCTAssert(one == two, "\(c): \(one.differences(from: two))", line: line)
        XCTAssertFalse(one.dw.isEmpty || one.dx.isEmpty, line: line)
    }

    func run(_ c: ConvConfig, transpose: Bool, threads: Int) throws -> Run {
        try withThreads(threads) { try run(c, transpose: transpose) }
    }

    func run(_ c: ConvConfig, transpose: Bool) throws -> Run {
        let x = randomTensor(c.input, seed: 1).requiringGrad()
        let w = randomTensor(c.weight, seed: 2).requiringGrad()
        let b = randomTensor([transpose ? c.weight[1] * c.groups : c.weight[0]], seed: 3).requiringGrad()
        let y = transpose
            ? try x.convTranspose2d(weight: w, bias: b, stride: c.stride, padding: c.padding,
                                    outputPadding: c.outputPadding, dilation: c.dilation, groups: c.groups)
            : try x.conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation,
                           groups: c.groups)
        try y.backward(seed: randomTensor(y.shape, seed: 4))
        return Run(y: y.scalars, dx: x.grad?.scalars ?? [], dw: w.grad?.scalars ?? [], db: b.grad?.scalars ?? [])
    }

    func testBitIdenticalAcrossThreadCounts() throws {
        let convs: [ConvConfig] = [
            // Batch 1, one im2col tile: GEMMs split by rows (120 rows: blocks of 48).
            ConvConfig(input: [1, 16, 12, 12], weight: [120, 16, 3, 3], padding: .symmetric(1)),
            ConvConfig(input: [1, 16, 23, 21], weight: [120, 16, 3, 3], stride: 2, padding: .symmetric(1)),
            // Batch 1, several im2col tiles spread over the workers.
            ConvConfig(input: [1, 64, 20, 30], weight: [50, 64, 3, 3], padding: .symmetric(1)),
            ConvConfig(input: [1, 64, 20, 20], weight: [48, 64, 1, 1]),
            // Batch 3: split by batch item.
            ConvConfig(input: [3, 8, 17, 15], weight: [24, 8, 3, 3], stride: 2, padding: .symmetric(1)),
            ConvConfig(input: [3, 8, 17, 15], weight: [12, 4, 3, 3], padding: .symmetric(1), groups: 2),
            ConvConfig(input: [3, 24, 17, 15], weight: [24, 1, 5, 5], padding: .symmetric(2), groups: 24),
            ConvConfig(input: [1, 24, 17, 15], weight: [24, 1, 3, 3], stride: 2, padding: .symmetric(1), groups: 24),
            // More items than partial-sum chunks in the weight gradient.
            ConvConfig(input: [11, 4, 9, 9], weight: [8, 4, 3, 3], padding: .symmetric(1)),
        ]
        for c in convs {
            try assertSame(c, transpose: false)
        }
        let transposes: [ConvConfig] = [
            ConvConfig(input: [1, 32, 11, 13], weight: [32, 16, 3, 3], stride: 2, padding: .symmetric(1),
                       outputPadding: 1),
            ConvConfig(input: [3, 16, 11, 13], weight: [16, 8, 3, 3], padding: .symmetric(1)),
        ]
        for c in transposes {
            try assertSame(c, transpose: true)
        }
    }

    func testMatmulBitIdenticalAcrossThreadCounts() throws {
        func product(threads: Int) throws -> [Float] {
            try withThreads(threads) { try randomTensor([200, 300], seed: 1).matmul(randomTensor([300, 150], seed: 2)).scalars }
        }
        XCTAssert(try product(threads: 1) == product(threads: 2))
        XCTAssert(try product(threads: 1) == product(threads: 3))
    }
}
