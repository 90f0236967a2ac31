import Foundation
import LoupeReport
import XCTest

/// `card.json` is written from the result.json beside it; a report can join a folder that
/// holds other files; the gallery of a folder Loupe owns shows every run, newest first.
final class RunFolderCardTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    struct Result: Codable { var accuracy: Double; var n: Int }

    func card(picture: String? = "plot.svg") -> RunCard {
        RunCard(title: "Evaluation", command: "loupe evaluate", picture: picture,
                figures: [.init("accuracy", .percent("accuracy"), .integer("n", prefix: "of "))])
    }

    func testTheCardShowsWhatResultJSONSays() throws {
        let run = try RunFolder(command: "evaluate", out: dir.appendingPathComponent("run").path)
        try run.writeResult(Result(accuracy: 0.8125, n: 64))
        try run.write("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", to: "plot.svg")
        try run.writeCard(card())
        try run.finish()
        let written = try XCTUnwrap(RunCard.read(from: run.url))
        XCTAssertEqual(written.figures[0].values.map(\.value), [.number(0.8125), .number(64)])
        XCTAssertEqual(written.headline(), "accuracy 81.2% of 64")
        XCTAssertNotNil(written.written, "the card is dated")
    }

    /// card.json is read back by pages and the gallery: a damaged, huge or escaping one is
    /// ignored or loses its picture, never trusted.
    func testReadingACardTrustsNothingInIt() throws {
        let run = dir.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let file = run.appendingPathComponent(RunCard.fileName)
        for picture in ["../../secret.png", "/etc/passwd", "a/../../b.png"] {
            var c = card(picture: picture)
            c.date = nil
            try ResultJSON.encode(c).write(to: file)
            XCTAssertEqual(RunCard.read(from: run)?.title, "Evaluation")
            XCTAssertNil(RunCard.read(from: run)?.picture, picture)
        }
        try Data("{\"title\": ".utf8).write(to: file)
        XCTAssertNil(RunCard.read(from: run))
        try Data(repeating: 0x20, count: (1 << 20) + 1).write(to: file)
        XCTAssertNil(RunCard.read(from: run))
    }

    func testACardNeedsItsResultAndPicture() throws {
        let run = try RunFolder(command: "evaluate", out: dir.appendingPathComponent("run").path)
        defer { run.discard() }
        XCTAssertThrowsError(try run.writeCard(card(picture: nil)), "no result.json yet")
        try run.writeResult(Result(accuracy: 0.5, n: 2))
        XCTAssertThrowsError(try run.writeCard(card(picture: "missing.png")), "the picture was not written")
        XCTAssertNoThrow(try run.writeCard(card(picture: nil)))
    }

    func testAReportBesideOtherFilesKeepsThem() throws {
        let target = dir.appendingPathComponent("train")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: target.appendingPathComponent("model.safetensors"))
        try Data("old page".utf8).write(to: target.appendingPathComponent("index.html"))
        let beside = try RunFolder(command: "train", out: target.path, besideOtherFiles: true)
        try beside.write("new page", to: "index.html")
        try beside.finish()
        XCTAssertEqual(try String(contentsOf: target.appendingPathComponent("model.safetensors"), encoding: .utf8), "weights")
        XCTAssertEqual(try String(contentsOf: target.appendingPathComponent("index.html"), encoding: .utf8), "new page")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["train"], "no staging folder left behind")

        // A plain run replaces the folder whole.
        let replacing = try RunFolder(command: "train", out: target.path)
        try replacing.write("newest page", to: "index.html")
        try replacing.finish()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path), ["index.html"])
    }

    /// Three runs with cards dated out of name order and one older run without a card:
    /// the gallery lists all four, newest first, each with a picture that exists.
    func testTheGalleryShowsEveryRunNewestFirst() throws {
        try Data().write(to: dir.appendingPathComponent(RunIndex.marker))
        let dates = ["a-first": "2025-01-03T00:00:00Z", "b-second": "2025-01-01T00:00:00Z", "c-third": "2025-01-02T00:00:00Z"]
        for (name, date) in dates {
            let run = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            var c = try card().resolved(against: try ResultJSON.encode(Result(accuracy: 0.25, n: 4)))
            c.date = date
            try ResultJSON.encode(c).write(to: run.appendingPathComponent(RunCard.fileName))
            try Data("page".utf8).write(to: run.appendingPathComponent("index.html"))
            try Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8).write(to: run.appendingPathComponent("plot.svg"))
        }
        let old = dir.appendingPathComponent("old run")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        try Data("page".utf8).write(to: old.appendingPathComponent("index.html"))
        try Data([0x89]).write(to: old.appendingPathComponent("unit-00.png"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)],
                                              ofItemAtPath: old.appendingPathComponent("index.html").path)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("no page"), withIntermediateDirectories: true)

        try RunIndex.refresh(root: dir)
        let page = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertEqual(matches(#"<article class="card" data-run="([^"]*)""#, in: page), ["a-first", "c-third", "b-second", "old run"])
        XCTAssertEqual(matches(#"<img src="([^"]*)""#, in: page),
                       ["a-first/plot.svg", "c-third/plot.svg", "b-second/plot.svg", "old%20run/unit-00.png"])
        XCTAssertTrue(page.contains("accuracy 25.0%") || page.contains(">25.0%<"), "headline numbers are shown")
        XCTAssertTrue(page.contains("loupe evaluate"), "the command is shown")
        XCTAssertTrue(page.contains("2025-01-03 00:00 UTC"), "the date is shown")
    }

    func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
