import Foundation
@testable import LoupeTensor
import XCTest

/// Loupe may put any selectable OpenBLAS core in force (`LOUPE_BLAS_CORE`, or the automatic
/// choice on a CPU OpenBLAS does not know), so GEMMTests, which checks GEMM against a
/// Double triple loop, runs again under each core this build has and this CPU executes:
/// in a child test process with `OPENBLAS_CORETYPE` set, since OpenBLAS reads it only when
/// it loads. The child also checks that OpenBLAS reports running that core.
final class GEMMUnderEveryCoreTests: XCTestCase {
    func testGEMMIsRightUnderEveryCoreThisMachineRuns() throws {
        #if os(Linux)
        guard !OpenBLAS.availableCores.isEmpty else { throw XCTSkip("this OpenBLAS has one core (or is not x86)") }
        let cores = BLASCore.selectable.filter { OpenBLAS.availableCores.contains($0.name) && $0.runs(on: .current) }
        XCTAssertTrue(cores.contains { $0.name == "Prescott" }, "every x86-64 CPU runs the generic kernels")
        let runner = try XCTUnwrap(Bundle.main.executablePath)
        // All children at once: they share the cores, so the wall time is their CPU time
        // over the core count rather than the sum of their start-ups and waits.
        let children = try cores.map { core -> (String, Process, Pipe) in
            let child = Process(), output = Pipe()
            child.executableURL = URL(fileURLWithPath: runner)
            child.arguments = ["LoupeTensorTests.GEMMTests"]
            child.environment = ProcessInfo.processInfo.environment.merging(
                ["OPENBLAS_CORETYPE": core.name, GEMMTests.expectedCoreVariable: core.name]) { $1 }
            child.standardOutput = output
            child.standardError = output
            try child.run()
            return (core.name, child, output)
        }
        for (core, child, output) in children {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationStatus, 0, "\(core):\n\(text)")
            XCTAssertNotNil(text.range(of: "Executed [1-9][0-9]* tests?, with 0 failures", options: .regularExpression),
                            "\(core): no GEMM test ran:\n\(text)")
        }
        #else
        throw XCTSkip("forcing OpenBLAS cores is tested on Linux")
        #endif
    }
}
