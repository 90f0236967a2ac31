import CLoupeCPU
import Foundation

/// The processor Loupe runs on: who made it, which model it is, and which vector
/// extensions a program may use on it (the CPU has them and the operating system saves
/// their registers). Read once with CPUID; values for other CPUs are built in tests.
public struct CPUInfo: Sendable, Equatable {
    /// The CPUID vendor string: "GenuineIntel", "AuthenticAMD", "HygonGenuine"…
    public var vendor: String
    /// The brand string, e.g. "AMD EPYC 9R14 96-Core Processor" (may be generic under a hypervisor).
    public var brand: String
    /// Display family and model, extended fields folded in (Zen 4: family 25, model 17).
    public var family: Int
    public var model: Int
    public var features: Features

    public init(vendor: String, brand: String = "", family: Int, model: Int, features: Features) {
        self.vendor = vendor
        self.brand = brand
        self.family = family
        self.model = model
        self.features = features
    }

    /// This machine's CPU.
    public static let current: CPUInfo = {
        var info = loupe_cpu_info()
        loupe_cpu_identify(&info)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return CPUInfo(vendor: text(info.vendor), brand: text(info.brand).trimmingCharacters(in: .whitespaces),
                       family: Int(info.family), model: Int(info.model), features: Features(rawValue: info.features))
    }()

    /// AMD and Hygon (whose Dhyana is a licensed Zen) share kernels tuned for Zen.
    public var isAMDLike: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }

    /// "AMD EPYC (AuthenticAMD family 25 model 17)", for --version and benchmark records.
    public var summary: String {
        let id = "\(vendor.isEmpty ? "unknown vendor" : vendor) family \(family) model \(model)"
        return brand.isEmpty ? id : "\(brand) (\(id))"
    }

    /// Usable extensions, in the bits of `loupe_cpu.h`.
    public struct Features: OptionSet, Sendable, Hashable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        private init(_ bit: Int) { rawValue = UInt64(bit) }  // a LOUPE_CPU_* constant

        public static let sse3 = Features(LOUPE_CPU_SSE3)
        public static let ssse3 = Features(LOUPE_CPU_SSSE3)
        public static let sse42 = Features(LOUPE_CPU_SSE42)
        public static let avx = Features(LOUPE_CPU_AVX)
        public static let fma = Features(LOUPE_CPU_FMA)
        public static let avx2 = Features(LOUPE_CPU_AVX2)
        public static let avx512f = Features(LOUPE_CPU_AVX512F)
        public static let avx512cd = Features(LOUPE_CPU_AVX512CD)
        public static let avx512bw = Features(LOUPE_CPU_AVX512BW)
        public static let avx512dq = Features(LOUPE_CPU_AVX512DQ)
        public static let avx512vl = Features(LOUPE_CPU_AVX512VL)
        public static let avx512vnni = Features(LOUPE_CPU_AVX512VNNI)
        public static let avx512bf16 = Features(LOUPE_CPU_AVX512BF16)
        public static let avx512fp16 = Features(LOUPE_CPU_AVX512FP16)
        public static let amxTile = Features(LOUPE_CPU_AMXTILE)
        public static let amxBF16 = Features(LOUPE_CPU_AMXBF16)

        /// The AVX-512 subset Skylake-SP introduced, which every later AVX-512 CPU has.
        public static let avx512: Features = [.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl]

        /// Each feature with the name Linux's /proc/cpuinfo gives it (but SSE3, which Linux
        /// calls "pni").
        public static let named: [(Features, String)] = [
            (.sse3, "sse3"), (.ssse3, "ssse3"), (.sse42, "sse4_2"), (.avx, "avx"), (.fma, "fma"), (.avx2, "avx2"),
            (.avx512f, "avx512f"), (.avx512cd, "avx512cd"), (.avx512bw, "avx512bw"), (.avx512dq, "avx512dq"),
            (.avx512vl, "avx512vl"), (.avx512vnni, "avx512_vnni"), (.avx512bf16, "avx512_bf16"),
            (.avx512fp16, "avx512_fp16"), (.amxTile, "amx_tile"), (.amxBF16, "amx_bf16"),
        ]

        /// The names of the features in this set, in the order of `named`.
        public var names: [String] { Self.named.filter { contains($0.0) }.map(\.1) }
    }
}
