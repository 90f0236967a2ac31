import Foundation
@testable import LoupeTensor
import XCTest

/// The choice of OpenBLAS core, on a table of real CPUs with the core OpenBLAS 0.3.21 (or
/// another version, where said) picks on them; and the CPU's features against Linux's own
/// reading of CPUID.
final class BLASCoreTests: XCTestCase {
    static let avx2: CPUInfo.Features = [.sse3, .ssse3, .sse42, .avx, .fma, .avx2]
    static let avx512 = avx2.union(.avx512)

    static let zen2 = CPUInfo(vendor: "AuthenticAMD", family: 23, model: 49, features: avx2)
    static let zen3 = CPUInfo(vendor: "AuthenticAMD", family: 25, model: 33, features: avx2)
    static let zen4 = CPUInfo(vendor: "AuthenticAMD", family: 25, model: 17,
                              features: avx512.union([.avx512vnni, .avx512bf16]))
    static let zen5 = CPUInfo(vendor: "AuthenticAMD", family: 26, model: 2,
                              features: avx512.union([.avx512vnni, .avx512bf16]))
    static let dhyana = CPUInfo(vendor: "HygonGenuine", family: 24, model: 0, features: avx2)
    static let sandyBridge = CPUInfo(vendor: "GenuineIntel", family: 6, model: 42, features: [.sse3, .ssse3, .sse42, .avx])
    static let skylakeSP = CPUInfo(vendor: "GenuineIntel", family: 6, model: 85, features: avx512)
    /// The same CPU under an OS that does not save the ZMM registers: AVX-512 unusable.
    static let skylakeSPWithoutZMMState = CPUInfo(vendor: "GenuineIntel", family: 6, model: 85, features: avx2)
    static let iceLakeSP = CPUInfo(vendor: "GenuineIntel", family: 6, model: 106, features: avx512.union(.avx512vnni))
    static let alderLake = CPUInfo(vendor: "GenuineIntel", family: 6, model: 151, features: avx2)
    static let emeraldRapids = CPUInfo(vendor: "GenuineIntel", family: 6, model: 207, features: avx512.union(
        [.avx512vnni, .avx512bf16, .avx512fp16, .amxTile, .amxBF16]))
    /// A CPU with AVX2 but no FMA: none of the AVX2 kernels runs on it.
    static let avx2WithoutFMA = CPUInfo(vendor: "GenuineIntel", family: 6, model: 60,
                                        features: [.sse3, .ssse3, .sse42, .avx, .avx2])

    /// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH): every selectable core.
    static let debian = ["Prescott", "Core2", "Nehalem", "Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake"]

    func testChoiceOnRealCPUs() {
        let cases: [(String, CPUInfo, running: String, available: [String], BLASCore.Choice)] = [
            ("Zen 4, detected Cooperlake", Self.zen4, "Cooperlake", Self.debian, .keep),
            ("Emerald Rapids, unknown model: Prescott", Self.emeraldRapids, "Prescott", Self.debian, .select("Cooperlake")),
            ("Emerald Rapids, a newer OpenBLAS knows it", Self.emeraldRapids, "SapphireRapids", Self.debian, .keep),
            ("Emerald Rapids, detected Cooperlake", Self.emeraldRapids, "Cooperlake", Self.debian, .keep),
            ("Ice Lake SP (VNNI, no BF16) on Prescott", Self.iceLakeSP, "Prescott", Self.debian, .select("SkylakeX")),
            ("Skylake SP, detected SkylakeX", Self.skylakeSP, "SkylakeX", Self.debian, .keep),
            ("Skylake SP, OS without AVX-512 state", Self.skylakeSPWithoutZMMState, "Haswell", Self.debian, .keep),
            ("Skylake SP, a build without AVX-512 kernels", Self.skylakeSP, "Prescott",
             ["Prescott", "Core2", "Nehalem", "Sandybridge", "Haswell", "Zen"], .select("Haswell")),
            ("Alder Lake (AVX2 only) on Prescott", Self.alderLake, "Prescott", Self.debian, .select("Haswell")),
            ("Alder Lake, detected Haswell", Self.alderLake, "Haswell", Self.debian, .keep),
            ("Zen 3, detected Zen", Self.zen3, "Zen", Self.debian, .keep),
            ("Zen 2 on Prescott: Zen's blocking on AMD", Self.zen2, "Prescott", Self.debian, .select("Zen")),
            ("Zen 2, detected Haswell: same tier", Self.zen2, "Haswell", Self.debian, .keep),
            ("Zen 5, unknown family: Barcelona", Self.zen5, "Barcelona", Self.debian, .select("Cooperlake")),
            ("Hygon Dhyana on Prescott", Self.dhyana, "Prescott", Self.debian, .select("Zen")),
            ("Sandy Bridge (no AVX2) on Prescott", Self.sandyBridge, "Prescott", Self.debian, .keep),
            ("AVX2 without FMA on Prescott", Self.avx2WithoutFMA, "Prescott", Self.debian, .keep),
            ("a core name Loupe does not know", Self.emeraldRapids, "GraniteRapids", Self.debian, .keep),
            ("a build for one CPU cannot switch", Self.emeraldRapids, "Prescott", [], .keep),
            ("letter case of OpenBLAS's names", Self.emeraldRapids, "PRESCOTT", Self.debian.map { $0.lowercased() },
             .select("Cooperlake")),
        ]
        for (label, cpu, running, available, want) in cases {
            XCTAssertEqual(BLASCore.choose(cpu: cpu, running: running, available: available), want, label)
        }
    }

    func testWhatEachCoreNeeds() throws {
        let cooperlake = try XCTUnwrap(BLASCore.named("cooperlake"))
        XCTAssertEqual(cooperlake.name, "Cooperlake")
        XCTAssertTrue(cooperlake.runs(on: Self.zen4))
        XCTAssertEqual(cooperlake.missing(on: Self.iceLakeSP), ["avx512_bf16"])
        XCTAssertEqual(BLASCore.named("SkylakeX")?.missing(on: Self.alderLake),
                       ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])
        XCTAssertEqual(BLASCore.named("Haswell")?.missing(on: Self.avx2WithoutFMA), ["fma"])
        XCTAssertNil(BLASCore.named("SapphireRapids"), "left to OpenBLAS's own detection")
        XCTAssertNil(BLASCore.named("Foo"))
    }

    /// CPUID as read here against Linux's reading of it: vendor, family, model, brand and
    /// every feature flag (Linux lists a flag only when the kernel also saves its state).
    func testThisCPUMatchesProcCPUInfo() throws {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            throw XCTSkip("no /proc/cpuinfo")
        }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.isEmpty { break }  // the first processor only
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        guard let vendor = fields["vendor_id"], vendor == "GenuineIntel" || vendor == "AuthenticAMD" || vendor == "HygonGenuine" else {
            throw XCTSkip("not an x86 CPU")
        }
        let cpu = CPUInfo.current
        XCTAssertEqual(cpu.vendor, vendor)
        XCTAssertEqual(String(cpu.family), fields["cpu family"])
        XCTAssertEqual(String(cpu.model), fields["model"])
        XCTAssertEqual(cpu.brand, fields["model name"])
        let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        for (feature, name) in CPUInfo.Features.named {
            XCTAssertEqual(cpu.features.contains(feature), flags.contains(name == "sse3" ? "pni" : name), name)
        }
    }

    /// Whatever OpenBLAS picked on this machine is a core Loupe can rank (that each core
    /// found in the build takes when forced is GEMMUnderEveryCoreTests' business).
    func testTheRunningCoreIsKnown() {
        XCTAssertNotNil(BLASCore.tier(of: OpenBLAS.runningCore), OpenBLAS.runningCore)
        XCTAssertTrue(OpenBLAS.version.hasPrefix("OpenBLAS "), OpenBLAS.version)
    }
}
