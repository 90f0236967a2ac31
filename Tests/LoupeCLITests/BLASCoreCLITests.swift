import Foundation
@testable import LoupeCLI
import LoupeTensor
import XCTest

/// `LOUPE_BLAS_CORE` and `OPENBLAS_CORETYPE` at start: the plan for each environment (on
/// CPUs described here), and the built binary re-executing itself under a forced core.
final class BLASCoreCLITests: XCTestCase {
    static let avx2: CPUInfo.Features = [.sse3, .ssse3, .sse42, .avx, .fma, .avx2]
    static let zen4 = CPUInfo(vendor: "AuthenticAMD", family: 25, model: 17,
                              features: avx2.union(.avx512).union([.avx512vnni, .avx512bf16]))
    static let emeraldRapids = CPUInfo(vendor: "GenuineIntel", family: 6, model: 207, features: avx2.union(.avx512)
        .union([.avx512vnni, .avx512bf16, .avx512fp16, .amxTile, .amxBF16]))
    static let alderLake = CPUInfo(vendor: "GenuineIntel", family: 6, model: 151, features: avx2)
    static let debian = ["Prescott", "Core2", "Nehalem", "Sandybridge", "Haswell", "Zen", "SkylakeX", "Cooperlake"]

    func plan(_ environment: [String: String], _ cpu: CPUInfo, running: String,
              available: [String] = debian) -> BLASStartup.Plan {
        BLASStartup.plan(environment, cpu: cpu, running: running, available: available)
    }

    func testAutoSwitchesOnlyAFallBackAndOnlyOnce() {
        XCTAssertEqual(plan([:], Self.zen4, running: "Cooperlake"), .run(.detected))
        XCTAssertEqual(plan(["LOUPE_BLAS_CORE": "auto"], Self.emeraldRapids, running: "Prescott"),
                       .reexecute(core: "Cooperlake", marker: "Cooperlake,Prescott"))
        // The re-executed process: OpenBLAS now runs Cooperlake and the marker says why.
        let after = ["OPENBLAS_CORETYPE": "Cooperlake", "LOUPE_BLAS_CORE_SET": "Cooperlake,Prescott"]
        XCTAssertEqual(plan(after, Self.emeraldRapids, running: "Cooperlake"), .run(.auto(was: "Prescott")))
        // A marker whose OPENBLAS_CORETYPE is gone: a switch that did not take, never a loop.
        XCTAssertEqual(plan(["LOUPE_BLAS_CORE_SET": "Cooperlake,Prescott"], Self.emeraldRapids, running: "Prescott"),
                       .run(.detected))
    }

    func testTheUsersOwnCoreTypeIsNeverOverridden() {
        XCTAssertEqual(plan(["OPENBLAS_CORETYPE": "Haswell"], Self.emeraldRapids, running: "Haswell"), .run(.openblasCoreType))
        // Even with a marker naming another core (the user changed the variable since).
        XCTAssertEqual(plan(["OPENBLAS_CORETYPE": "Zen", "LOUPE_BLAS_CORE_SET": "Cooperlake,Prescott"], Self.emeraldRapids,
                            running: "Zen"), .run(.openblasCoreType))
        XCTAssertEqual(plan(["OPENBLAS_CORETYPE": "Haswell", "LOUPE_BLAS_CORE": "haswell"], Self.zen4, running: "Haswell"),
                       .run(.openblasCoreType))
        guard case .refuse(let message) = plan(["OPENBLAS_CORETYPE": "Zen", "LOUPE_BLAS_CORE": "Haswell"], Self.zen4,
                                               running: "Zen") else { return XCTFail("a contradiction was accepted") }
        XCTAssertTrue(message.contains("LOUPE_BLAS_CORE=Haswell contradicts OPENBLAS_CORETYPE=Zen"), message)
    }

    func testKeepAndForce() {
        XCTAssertEqual(plan(["LOUPE_BLAS_CORE": "keep"], Self.emeraldRapids, running: "Prescott"), .run(.detected))
        XCTAssertEqual(plan(["LOUPE_BLAS_CORE": "haswell"], Self.zen4, running: "Cooperlake"),
                       .reexecute(core: "Haswell", marker: "Haswell,Cooperlake"))
        XCTAssertEqual(plan(["LOUPE_BLAS_CORE": "Haswell", "OPENBLAS_CORETYPE": "Haswell", "LOUPE_BLAS_CORE_SET": "Haswell,Cooperlake"],
                            Self.zen4, running: "Haswell"), .run(.forced(was: "Cooperlake")))
        XCTAssertEqual(plan(["LOUPE_BLAS_CORE": "Cooperlake"], Self.zen4, running: "Cooperlake"), .run(.forced(was: "Cooperlake")))
        // Forcing the generic kernels is allowed: it is how the slow path is measured.
        XCTAssertEqual(plan(["LOUPE_BLAS_CORE": "Prescott"], Self.zen4, running: "Cooperlake"),
                       .reexecute(core: "Prescott", marker: "Prescott,Cooperlake"))
    }

    func testBadRequestsAreRefusedWithWhatWouldWork() {
        let cases: [([String: String], CPUInfo, [String], [String])] = [
            (["LOUPE_BLAS_CORE": "Foo"], Self.alderLake, Self.debian,
             ["unknown BLAS core 'Foo' in LOUPE_BLAS_CORE", "auto, keep, Prescott, Core2, Nehalem, Sandybridge, Haswell, Zen"]),
            (["LOUPE_BLAS_CORE": "Cooperlake"], Self.alderLake, Self.debian,
             ["Cooperlake needs", "avx512f", "avx512_bf16", "which this CPU lacks"]),
            (["LOUPE_BLAS_CORE": "SkylakeX"], Self.emeraldRapids, ["Prescott", "Haswell"],
             ["this OpenBLAS has no SkylakeX kernels; it has: Prescott, Haswell"]),
            (["LOUPE_BLAS_CORE": "Haswell"], Self.emeraldRapids, [], ["built for one CPU (Prescott)"]),
        ]
        for (environment, cpu, available, mentions) in cases {
            guard case .refuse(let message) = plan(environment, cpu, running: "Prescott", available: available) else {
                XCTFail("\(environment) accepted"); continue
            }
            for part in mentions { XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)") }
        }
    }

    func testStatusLines() {
        func line(_ core: String, _ origin: BLASStatus.Origin) -> String {
            BLASStatus(library: "OpenBLAS 0.3.21", core: core, origin: origin).description
        }
        XCTAssertEqual(line("Cooperlake", .auto(was: "Prescott")), "OpenBLAS 0.3.21, core Cooperlake (auto-selected, was Prescott)")
        XCTAssertEqual(line("Cooperlake", .detected), "OpenBLAS 0.3.21, core Cooperlake (detected)")
        XCTAssertEqual(line("Haswell", .forced(was: "Cooperlake")), "OpenBLAS 0.3.21, core Haswell (LOUPE_BLAS_CORE, was Cooperlake)")
        XCTAssertEqual(line("Cooperlake", .forced(was: "Cooperlake")), "OpenBLAS 0.3.21, core Cooperlake (LOUPE_BLAS_CORE)")
        XCTAssertEqual(line("Zen", .openblasCoreType), "OpenBLAS 0.3.21, core Zen (OPENBLAS_CORETYPE)")
    }

    // MARK: - The built binary

    /// A core this machine can run that OpenBLAS did not pick itself, to force.
    func otherCore() throws -> String {
        let running = OpenBLAS.runningCore
        guard let core = ["Haswell", "Sandybridge", "Prescott"].first(where: { name in
            name != running && OpenBLAS.availableCores.contains(name) && BLASCore.named(name)?.runs(on: .current) == true
        }) else { throw XCTSkip("this OpenBLAS cannot switch cores") }
        return core
    }

    func testForcedCoreTakesEffectThroughReexecution() throws {
        let core = try otherCore(), running = OpenBLAS.runningCore
        let r = try LoupeBinary.run(["--version"], environment: ["LOUPE_BLAS_CORE": core])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("BLAS: OpenBLAS"), r.stdout)
        XCTAssertTrue(r.stdout.contains("core \(core) (LOUPE_BLAS_CORE, was \(running))"), r.stdout)
        // The arguments survive the re-execution: the unknown command is still named.
        try assertUserError(["no-such-command"], environment: ["LOUPE_BLAS_CORE": core], mentions: ["no-such-command"])
    }

    func testOpenBLASCoreTypeIsObeyedInAutoMode() throws {
        let core = try otherCore()
        let r = try LoupeBinary.run(["--version"], environment: ["OPENBLAS_CORETYPE": core, "LOUPE_BLAS_CORE": "auto"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("core \(core) (OPENBLAS_CORETYPE)"), r.stdout)
    }

    func testVersionNamesTheCoreAndTheCPU() throws {
        let r = try LoupeBinary.run(["--version"], environment: ["LOUPE_BLAS_CORE": "keep"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("core \(OpenBLAS.runningCore) (detected)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("CPU: \(CPUInfo.current.summary)"), r.stdout)
    }

    func testBadCoreIsAOneLineUserError() throws {
        try assertUserError(["--version"], environment: ["LOUPE_BLAS_CORE": "Pentium"],
                            mentions: ["unknown BLAS core 'Pentium'", "LOUPE_BLAS_CORE", "auto, keep"])
    }
}
