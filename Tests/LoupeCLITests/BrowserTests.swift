import Foundation
import XCTest

/// Opens generated reports in headless Chromium (Debian's `chromium`, installed by
/// `make test`): the page must load without console errors, and its own load-time
/// self-check must find every image decoded and every plot drawn.
final class BrowserTests: XCTestCase {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The DOM after load and what the browser logged.
    static func render(_ page: URL) throws -> (dom: String, log: String) {
        guard let chromium = Self.chromium else { throw XCTSkip("chromium is not installed (make test installs it)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                             "--virtual-time-budget=5000", "--dump-dom", page.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dom = out.fileHandleForReading.readDataToEndOfFile(), log = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: dom, as: UTF8.self), String(decoding: log, as: UTF8.self))
    }

    static func consoleMessages(_ log: String) -> [String] {
        log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
    }

    func testVisualizationReportLoadsCompletely() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-browser-\(getpid())")
        try? FileManager.default.removeItem(at: out)
        let run = try LoupeBinary.run(["visualize", "--objective", "blocks.3:1", "--channels", "0-1", "--steps", "4", "--size", "32",
                                       "--snapshots", "2", "--quiet", "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let (dom, log) = try Self.render(out.appendingPathComponent("index.html"))
        XCTAssertTrue(dom.contains("data-loupe-check=\"ok\""), "self-check did not pass: \(dom.prefix(400))")
        XCTAssertTrue(dom.contains("<svg"), "the objective plot is missing")
        XCTAssertEqual(Self.consoleMessages(log), [])
    }

    /// The check can fail: a page whose image is missing is reported broken.
    func testSelfCheckCatchesAMissingImage() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-browser-broken-\(getpid())")
        try? FileManager.default.removeItem(at: out)
        let run = try LoupeBinary.run(["visualize", "--objective", "blocks.3:1", "--steps", "2", "--size", "32", "--quiet", "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        try FileManager.default.removeItem(at: out.appendingPathComponent("unit-00.png"))
        let (dom, _) = try Self.render(out.appendingPathComponent("index.html"))
        XCTAssertTrue(dom.contains("data-loupe-check=\"broken: unit-00.png\""), String(dom.prefix(400)))
    }
}
