import CBLAS
import Foundation

/// An OpenBLAS kernel set for x86-64 (a "core"), named as `OPENBLAS_CORETYPE` and
/// `openblas_get_corename()` name it, with the instructions its kernels execute.
///
/// A DYNAMIC_ARCH OpenBLAS picks its core from the CPU model when it loads. A model it does
/// not know gets the generic `Prescott` kernels (SSE3): Debian's 0.3.21 on an Emerald
/// Rapids Xeon (family 6, model 207) ran SGEMM at 62 GFLOP/s where `Cooperlake` gave ~275.
/// `choose` compares what OpenBLAS picked with what the CPU's features allow.
public struct BLASCore: Sendable, Equatable {
    public let name: String
    /// Kernel generation: a higher tier uses wider vectors or newer instructions and is
    /// faster on a CPU that can run it.
    let tier: Int
    /// Extensions the kernels execute: on a CPU without them they fault.
    let requires: CPUInfo.Features
    /// Blocked for AMD's caches: preferred to an equal tier on AMD and Hygon CPUs only.
    let amdTuned: Bool

    init(_ name: String, tier: Int, requires: CPUInfo.Features, amdTuned: Bool = false) {
        self.name = name
        self.tier = tier
        self.requires = requires
        self.amdTuned = amdTuned
    }

    private static let sse: CPUInfo.Features = [.sse3, .ssse3, .sse42]
    private static let avx2: CPUInfo.Features = sse.union([.avx, .fma, .avx2])

    /// The cores Loupe may put in force: by `LOUPE_BLAS_CORE=NAME`, and automatically from
    /// Haswell up. (Cooperlake is OpenBLAS 0.3.21's best x86 core; its later SapphireRapids
    /// runs Cooperlake's SGEMM and adds AMX, whose tile state Linux grants only on request,
    /// so it stays OpenBLAS's own choice.)
    public static let selectable: [BLASCore] = [
        BLASCore("Prescott", tier: 0, requires: [.sse3]),
        BLASCore("Core2", tier: 1, requires: [.sse3, .ssse3]),
        BLASCore("Nehalem", tier: 2, requires: sse),
        BLASCore("Sandybridge", tier: 3, requires: sse.union(.avx)),
        BLASCore("Haswell", tier: 4, requires: avx2),
        BLASCore("Zen", tier: 4, requires: avx2, amdTuned: true),
        BLASCore("SkylakeX", tier: 5, requires: avx2.union(.avx512)),
        BLASCore("Cooperlake", tier: 6, requires: avx2.union(.avx512).union([.avx512vnni, .avx512bf16])),
    ]

    /// Tiers of the other names OpenBLAS reports (for older CPUs, or newer than Loupe
    /// puts in force); "Unknown" is its name for a table it cannot name.
    static let otherTiers: [String: Int] = [
        "Unknown": 0, "Katmai": 0, "Coppermine": 0, "Northwood": 0, "Banias": 0, "Athlon": 0,
        "Penryn": 1, "Dunnington": 1, "Atom": 1, "Nano": 1, "Opteron": 1, "Opteron_SSE3": 1, "Barcelona": 1,
        "Bobcat": 1, "Bulldozer": 3, "Piledriver": 3, "Steamroller": 3, "Excavator": 3, "SapphireRapids": 7,
    ]

    /// The selectable core called `name`, in any letter case.
    public static func named(_ name: String) -> BLASCore? {
        selectable.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// The tier of a core OpenBLAS reports, nil for a name Loupe does not know.
    static func tier(of name: String) -> Int? {
        named(name)?.tier ?? otherTiers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Whether `cpu` can execute this core's kernels.
    public func runs(on cpu: CPUInfo) -> Bool { cpu.features.isSuperset(of: requires) }

    /// The extensions this core needs that `cpu` lacks, as /proc/cpuinfo names them.
    public func missing(on cpu: CPUInfo) -> [String] { requires.subtracting(cpu.features).names }

    public enum Choice: Equatable, Sendable {
        /// OpenBLAS's own pick is as good as any it has for this CPU.
        case keep
        /// OpenBLAS fell back to weaker kernels than this build has for this CPU.
        case select(String)
    }

    /// Which core to run, given the CPU, the core OpenBLAS `running` picked itself and the
    /// cores this OpenBLAS build `available` has: the highest-tier core from Haswell up that
    /// the CPU executes, when it is above the running one (Zen before Haswell on AMD, Haswell
    /// elsewhere); otherwise keep. A running core Loupe does not know is a newer OpenBLAS's
    /// choice and is kept; so is everything on a CPU without AVX2 and FMA.
    public static func choose(cpu: CPUInfo, running: String, available: [String]) -> Choice {
        guard let runningTier = tier(of: running) else { return .keep }
        let candidates = selectable.filter { core in
            core.tier >= 4 && core.runs(on: cpu) && available.contains { $0.caseInsensitiveCompare(core.name) == .orderedSame }
        }
        let best = candidates.max { a, b in
            (a.tier, a.amdTuned == cpu.isAMDLike ? 1 : 0) < (b.tier, b.amdTuned == cpu.isAMDLike ? 1 : 0)
        }
        guard let best, best.tier > runningTier else { return .keep }
        return .select(best.name)
    }
}

/// What the linked OpenBLAS is and which of its cores runs in this process.
public enum OpenBLAS {
    /// The core OpenBLAS runs, as it names it ("Cooperlake").
    public static var runningCore: String { String(cString: openblas_get_corename()) }

    /// "OpenBLAS 0.3.21": the first two words of its build configuration.
    public static var version: String {
        String(cString: openblas_get_config()).split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// The selectable cores this build holds. A DYNAMIC_ARCH build exports one table of
    /// kernels per core, `gotoblas_HASWELL` and so on; a build for one CPU has none and
    /// cannot switch.
    public static let availableCores: [String] = BLASCore.selectable.map(\.name).filter { name in
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_" + name.uppercased()) != nil
    }
}
