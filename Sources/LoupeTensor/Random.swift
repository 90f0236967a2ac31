import Foundation

/// Counter-based randomness: every value is a pure function of (seed, key, index),
/// so results are the same whatever the batch size, thread count or call order.
/// Callers key a stream by what it is for, e.g. `[sampleIndex, restart, step]`.
public struct RandomStream {
    public let seed: UInt64
    public let key: [UInt64]
    private let base: UInt64
    private var counter: UInt64 = 0

    public init(seed: UInt64, key: [UInt64] = []) {
        self.seed = seed
        self.key = key
        var h = RandomStream.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        for k in key { h = RandomStream.mix(h ^ RandomStream.mix(k &+ 0xD1B5_4A32_D192_ED03)) }
        base = h
    }

    /// A child stream for a sub-purpose, independent of this one.
    public func derived(_ more: UInt64...) -> RandomStream {
        RandomStream(seed: seed, key: key + more)
    }

    /// SplitMix64's finalizer: a bijective avalanche of 64 bits.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The 64 random bits at position `index` of this stream.
    @inline(__always)
    public func bits(at index: UInt64) -> UInt64 {
        RandomStream.mix(base &+ index &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Uniform in (0, 1): never exactly 0, so logarithms are safe.
    @inline(__always)
    public func uniform(at index: UInt64) -> Float {
        Float(Double((bits(at: index) >> 11) | 1) * 0x1p-53)
    }

    /// Standard normal by Box–Muller on two positions of the stream.
    @inline(__always)
    public func normal(at index: UInt64) -> Float {
        let u1 = Double((bits(at: 2 &* index) >> 11) | 1) * 0x1p-53
        let u2 = Double(bits(at: 2 &* index &+ 1) >> 11) * 0x1p-53
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    public mutating func nextUniform() -> Float {
        defer { counter &+= 1 }
        return uniform(at: counter)
    }

    public mutating func nextNormal() -> Float {
        defer { counter &+= 1 }
        return normal(at: counter)
    }

    /// Uniform integer in 0..<n.
    public mutating func nextInt(_ n: Int) -> Int {
        precondition(n > 0)
        defer { counter &+= 1 }
        return Int(bits(at: counter) % UInt64(n))
    }
}

extension Tensor {
    /// Normal samples with the given mean and standard deviation.
    public static func randomNormal(
        _ shape: [Int], mean: Float = 0, std: Float = 1, stream: RandomStream
    ) throws -> Tensor {
        var t = try zeros(shape)
        t.withMutableScalars { p in
            for i in 0..<p.count { p[i] = mean + std * stream.normal(at: UInt64(i)) }
        }
        return t
    }

    /// Uniform samples in [low, high).
    public static func randomUniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, stream: RandomStream
    ) throws -> Tensor {
        guard high >= low else {
            throw TensorError.invalidArgument(op: "randomUniform", "high \(high) is below low \(low)")
        }
        var t = try zeros(shape)
        t.withMutableScalars { p in
            for i in 0..<p.count { p[i] = low + (high - low) * stream.uniform(at: UInt64(i)) }
        }
        return t
    }
}
