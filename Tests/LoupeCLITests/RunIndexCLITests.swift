import Foundation
import XCTest

/// A run written with --out DIR/run leaves DIR alone unless DIR is Loupe's own.
final class RunIndexCLITests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func classify(into out: URL) throws {
        let photo = LoupeBinary.root.appendingPathComponent("Tests/Fuzz/corpus/FuzzPNG/rgb.png").path
        let r = try LoupeBinary.run(["classify", photo, "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
    }

    func testAUsersFolderKeepsItsOwnIndex() throws {
        let site = dir.appendingPathComponent("site")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        let theirs = site.appendingPathComponent("index.html")
        try Data("the user's page".utf8).write(to: theirs)
        try classify(into: site.appendingPathComponent("adv"))
        XCTAssertEqual(try String(contentsOf: theirs, encoding: .utf8), "the user's page")

        let bare = dir.appendingPathComponent("bare")
        try classify(into: bare.appendingPathComponent("adv"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: bare.appendingPathComponent("index.html").path))
    }

    func testAMarkedFolderGetsAnIndexOfItsRuns() throws {
        let runs = dir.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        try Data().write(to: runs.appendingPathComponent(".loupe-runs"))
        try classify(into: runs.appendingPathComponent("first"))
        let index = try String(contentsOf: runs.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(index.contains("first/index.html"), index)
    }
}
