import Foundation
import LoupeNN
import XCTest

/// The shipped binary on older x86-64 CPUs emulated by qemu-user: on a Nehalem (no AVX at
/// all) it must start, pick the baseline kernels and classify a photo as it does natively
/// with those kernels; on a Haswell it must pick the AVX2 copy. Skipped where qemu-user is
/// not installed.
final class BaselineCPUTests: XCTestCase {
    private func qemu() throws -> String {
        #if !arch(x86_64)
        throw XCTSkip("only x86-64 has an AVX2-less CPU to emulate")
        #else
        guard let path = ["/usr/bin/qemu-x86_64", "/usr/bin/qemu-x86_64-static"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else {
            throw XCTSkip("qemu-user is not installed (apt-get install qemu-user): a CPU without AVX2 was not tried")
        }
        guard FileManager.default.isExecutableFile(atPath: LoupeBinary.path) else {
            throw XCTSkip("build the release binary first (make test does)")
        }
        return path
        #endif
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String) {
        try LoupeBinary.run(executable: executable, arguments, environment: environment)
    }

    func testVersionOnANehalemSaysBaseline() throws {
        let qemu = try qemu()
        let r = try run(qemu, ["-cpu", "Nehalem", LoupeBinary.path, "--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("kernels: baseline"), r.stdout)
        // And a forced AVX2 copy is refused with one line, not an illegal instruction.
        let forced = try run(qemu, ["-cpu", "Nehalem", LoupeBinary.path, "--version"], environment: ["LOUPE_KERNELS": "avx2"])
        XCTAssertEqual(forced.status, 2, forced.stderr)
        XCTAssertEqual(forced.stderr.split(separator: "\n").count, 1, forced.stderr)
        XCTAssertTrue(forced.stderr.contains("cannot run the avx2 kernels"), forced.stderr)
    }

    /// A Haswell (AVX2 and FMA, no AVX-512) gets the AVX2 copy: the choice follows CPUID.
    func testVersionOnAHaswellSaysAVX2() throws {
        let qemu = try qemu()
        let r = try run(qemu, ["-cpu", "Haswell", LoupeBinary.path, "--version"])
        if r.stderr.contains("avx2") { throw XCTSkip("this qemu cannot emulate AVX2: \(r.stderr)") }
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("kernels: avx2"), r.stdout)
    }

    /// EfficientNet-Lite0 on coffee.png: depthwise convs, im2col and pointwise GEMMs, fused
    /// ReLU6 and pooling on the baseline kernels, OpenBLAS on its own pre-AVX kernels.
    func testClassifyOnANehalemMatchesTheNativeBaseline() throws {
        let qemu = try qemu()
        let photo = Assets.photo("coffee.png").path
        guard FileManager.default.fileExists(atPath: photo) else { throw XCTSkip("run `make assets`") }
        let arguments = ["classify", photo, "--top", "1", "--json"]
        let emulated = try run(qemu, ["-cpu", "Nehalem", LoupeBinary.path] + arguments)
        XCTAssertEqual(emulated.status, 0, emulated.stderr)
        let native = try run(LoupeBinary.path, arguments, environment: ["LOUPE_KERNELS": "baseline"])
        XCTAssertEqual(native.status, 0, native.stderr)
        func top(_ stdout: String) throws -> [String: Any] {
            let json = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
            let result = try XCTUnwrap((json?["results"] as? [[String: Any]])?.first)
            return try XCTUnwrap((result["top"] as? [[String: Any]])?.first)
        }
        let a = try top(emulated.stdout), b = try top(native.stdout)
        XCTAssertEqual(a["index"] as? Int, 967)
        XCTAssertEqual(a["index"] as? Int, b["index"] as? Int)
        // The same kernels; only OpenBLAS's core (and so its summation order) differs.
        let pa = try XCTUnwrap(a["probability"] as? Double), pb = try XCTUnwrap(b["probability"] as? Double)
        XCTAssertEqual(pa, pb, accuracy: 1e-4)
    }
}
