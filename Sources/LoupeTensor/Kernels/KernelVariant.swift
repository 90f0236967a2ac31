import CLoupeKernels

/// Which compiled copy of Loupe's own kernels runs (depthwise and direct conv, the Winograd
/// transforms, 2×2 max pooling, fused activations, im2col): the C target CLoupeKernels
/// builds each for three instruction sets, and the policy picks one at run time, so one
/// binary runs on any x86-64 CPU and uses AVX-512 where there is one.
///
/// Explicit copies chosen by a policy value, rather than `target_clones` and an ifunc, so
/// that a test or a benchmark can run every variant the CPU supports in one process and
/// compare them, and so the 16-lane copies can pick 8 lanes for narrow rows.
public enum KernelVariant: String, CaseIterable, Sendable, Comparable {
    /// Any CPU: 8-lane generic vectors (SSE2 on x86-64, NEON on arm64), no fused multiply-add.
    case baseline
    /// AVX2 + FMA (Haswell and later, every Zen).
    case avx2
    /// AVX-512 F/VL/BW/DQ + FMA (Skylake-SP and later Xeons, Zen 4).
    case avx512

    var code: Int32 {
        switch self {
        case .baseline: Int32(LOUPE_KERNELS_BASELINE)
        case .avx2: Int32(LOUPE_KERNELS_AVX2)
        case .avx512: Int32(LOUPE_KERNELS_AVX512)
        }
    }

    /// Whether this CPU (and OS) can run the variant.
    public var isSupported: Bool { Self.supported.contains(self) }

    /// The variants this CPU runs, baseline first.
    public static let supported: [KernelVariant] = allCases.filter { loupe_kernels_supported($0.code) != 0 }

    /// The fastest variant this CPU runs: the default of every policy.
    public static let best: KernelVariant = supported.last ?? .baseline

    public static func < (a: KernelVariant, b: KernelVariant) -> Bool { a.code < b.code }

    /// The variant a user asked for by name (`auto` is the best supported), checked against
    /// this CPU.
    public init(choice: String) throws {
        if choice == "auto" {
            self = Self.best
            return
        }
        guard let variant = KernelVariant(rawValue: choice) else {
            throw KernelVariantError(
                "unknown kernel variant '\(choice)': choose one of auto, \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard variant.isSupported else {
            throw KernelVariantError(
                "this CPU cannot run the \(choice) kernels: it supports \(Self.supported.map(\.rawValue).joined(separator: ", "))")
        }
        self = variant
    }
}

/// A kernel variant that does not exist or that this CPU cannot run.
public struct KernelVariantError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension KernelPolicy {
    /// The variant to hand the C kernels, read on the calling thread (worker threads do not
    /// see the task-local policy). A variant this CPU cannot run would fault on its first
    /// instruction: the CLI refuses it with a message, and a program that sets one anyway
    /// stops here with one.
    var kernelCode: Int32 {
        precondition(kernels.isSupported, "this CPU cannot run the \(kernels) kernels")
        return kernels.code
    }
}

extension ConvGeometry {
    /// The geometry as the C kernels take it.
    var c: loupe_conv_geometry {
        loupe_conv_geometry(channels: channels, inH: inH, inW: inW, outH: outH, outW: outW, kh: kh, kw: kw,
                            stride: stride, dilation: dilation, padTop: padTop, padLeft: padLeft)
    }
}
