import Foundation
import LoupeNN
import LoupeTensor
import XCTest

/// Runs the built `loupe` binary as a user would: exit codes, stdout and stderr.
enum LoupeBinary {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var path: String { root.appendingPathComponent(".build/release/loupe").path }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("build the release binary first (make test does)")
        }
        return try run(executable: path, arguments, environment: environment)
    }

    /// Any program (loupe under qemu, say) with these arguments, from the repository's root.
    static func run(executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

final class CLITests: XCTestCase {
    func testHelpAndVersionExitZero() throws {
        let help = try LoupeBinary.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("visualize"))
        let version = try LoupeBinary.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.stdout.isEmpty)
    }

    /// `--version` and the bench JSON name the kernel variant that runs; LOUPE_KERNELS forces
    /// one, and a name that does not exist or that this CPU cannot run is a one-line error.
    func testKernelVariantIsShownAndCanBeForced() throws {
        let best = try LoupeBinary.run(["--version"])
        XCTAssertEqual(best.status, 0, best.stderr)
        XCTAssertTrue(best.stdout.contains("kernels: \(KernelVariant.best.rawValue)\n"), best.stdout)
        for variant in KernelVariant.supported {
            let r = try LoupeBinary.run(["--version"], environment: ["LOUPE_KERNELS": variant.rawValue])
            XCTAssertTrue(r.stdout.contains("kernels: \(variant.rawValue)\n"), r.stdout)
        }
        let bench = try LoupeBinary.run(["bench", "workloads", "--only", "W0_sgemm", "--repetitions", "1", "--json"],
                                        environment: ["LOUPE_KERNELS": "baseline"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json?["kernel_variant"] as? String, "baseline")
        var refused = ["sse9"]
        refused += KernelVariant.allCases.filter { !$0.isSupported }.map(\.rawValue)
        for name in refused {
            let r = try LoupeBinary.run(["--version"], environment: ["LOUPE_KERNELS": name])
            XCTAssertEqual(r.status, 2)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("loupe: error: LOUPE_KERNELS: "), r.stderr)
        }
    }

    func testUserErrorsExitTwoWithOneLine() throws {
        for args in [["classify", "/no/such/file.png"], ["layers", "efficentnet-lite0"], ["visualize", "--objective", "blocks.8:1", "--steps", "0"],
                     ["classify", "x.png", "--model", "a", "--arch", "b"], ["no-such-command"]] {
            let r = try LoupeBinary.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.isEmpty, "\(args) printed no error")
            XCTAssertFalse(r.stderr.contains("Fatal error"), "\(args) crashed: \(r.stderr)")
        }
        // Per-attack steps: each malformed entry is named with the form that works.
        for (entry, says) in [("fgsm:5", "fgsm is a single step"), ("pgd:x", "pgd:STEPS"), ("apgd:0", "apgd:STEPS"),
                              ("pgd,pgd:40", "pgd twice")] {
            let r = try LoupeBinary.run(["robustness", "--attacks", entry])
            XCTAssertEqual(r.status, 2, "\(entry): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(says), "\(entry): \(r.stderr)")
        }
        let typo = try LoupeBinary.run(["layers", "efficentnet-lite0"])
        XCTAssertTrue(typo.stderr.contains("efficientnet-lite0"), "no suggestion in: \(typo.stderr)")
    }

    /// An architecture without pretrained weights is not an "unknown model": say what to do.
    func testArchitectureWithoutWeightsSaysHowToGetThem() throws {
        let r = try LoupeBinary.run(["evaluate", "--model", "fashion-cnn", "--limit", "10"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("no pretrained weights") && r.stderr.contains("loupe train"), r.stderr)
    }

    func testLayersListReceptiveFields() throws {
        let r = try LoupeBinary.run(["layers", "--model", "fashion-cnn", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
        // conv 3 → pool 4 → conv 8 → pool 10 (hand-computed in ReceptiveFieldTests); the
        // flatten and the linear layers see the whole image.
        let sizes = layers.map { ($0["receptive_field"] as? [String: Int])?["size"] }
        XCTAssertEqual(sizes, [3, 3, 4, 8, 8, 10, nil, nil, nil, nil])
    }

    /// fashion-cnn's names ("0"…"9") are shorter than "layer" and its widest shape is
    /// 1×32×28×28 (10 characters): the header pads to the rows, two spaces between columns.
    func testLayersTableHeaderLinesUpWithShortNames() throws {
        let r = try LoupeBinary.run(["layers", "--model", "fashion-cnn"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "layer  shape       receptive field")
        XCTAssertEqual(lines.dropFirst().first, "0      1×32×28×28  3 px (units 1 px apart)")
        XCTAssertEqual(lines.last, "9      1×10        whole image")
    }

    func testClassifyJSONHasExactlyTheDocumentedShape() throws {
        let photo = Assets.photo("coffee.png").path
        guard FileManager.default.fileExists(atPath: photo) else { throw XCTSkip("run `make assets`") }
        let r = try LoupeBinary.run(["classify", photo, "--top", "2", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(json.map { Set($0.keys) }, ["results"])
        let result = try XCTUnwrap((json?["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(result.keys), ["image", "top"])
        XCTAssertEqual(result["image"] as? String, photo)
        let top = try XCTUnwrap(result["top"] as? [[String: Any]])
        XCTAssertEqual(top.count, 2)
        XCTAssertEqual(Set(top[0].keys), ["index", "name", "logit", "probability"])
        XCTAssertEqual(top[0]["index"] as? Int, 967)
        XCTAssertEqual(top[0]["name"] as? String, "espresso")
    }

    func testEveryShippedRecipeIsValid() throws {
        let recipes = try FileManager.default.subpathsOfDirectory(atPath: LoupeBinary.root.appendingPathComponent("Recipes").path)
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("cluster/") && !$0.hasPrefix("models/") }
        XCTAssertFalse(recipes.isEmpty)
        for recipe in recipes {
            let r = try LoupeBinary.run(["run", "Recipes/\(recipe)", "--check"])
            XCTAssertEqual(r.status, 0, "\(recipe): \(r.stderr)")
        }
    }

    func testRecipeErrorsNameTheKeyAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-recipe-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("bad.yaml")
        try "model: efficientnet-lite0\nsteps:\n  - visualize: {objective: blocks.8:1, stepz: 3}\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try LoupeBinary.run(["run", file.path, "--check"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("stepz") && r.stderr.contains(":3") && r.stderr.contains("steps"), r.stderr)
    }

    func testRerunningARecipeReplacesItsFolderButNeverAForeignOne() throws {
        guard (try? Assets.weights("efficientnet-lite0.pth")) != nil else { throw XCTSkip("run `make assets`") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-rerun-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let recipe = dir.appendingPathComponent("tiny.yaml")
        try "model: efficientnet-lite0\nsteps:\n  - visualize: {objective: blocks.1:0, steps: 1, size: 16}\n"
            .write(to: recipe, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run")
        for _ in 0..<2 {
            let r = try LoupeBinary.run(["run", recipe.path, "--out", out.path, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("visualize/index.html").path))
        let foreign = dir.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try "keep me".write(to: foreign.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let r = try LoupeBinary.run(["run", recipe.path, "--out", foreign.path, "--quiet"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(FileManager.default.fileExists(atPath: foreign.appendingPathComponent("notes.txt").path))
    }
}
