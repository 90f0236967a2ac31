import Foundation
import LoupeNN
import XCTest

/// A small recipe of every kind of step, run as a user would, then its page and the
/// gallery opened in headless Chromium: a picture on every card, every picture decoded,
/// every headline number equal to the one in the step's result.json, links that resolve.
final class RecipePageTests: XCTestCase {
    static let steps = ["train", "classify", "prototypes", "attack", "attribute", "deconv", "robustness", "evaluate"]

    /// A fashion-cnn trained in the recipe (512 images, one epoch), then each lab on it.
    static let recipe = """
    name: tiny
    model: "${RUN}/train/model.safetensors"
    seed: 0
    steps:
      - train: {name: train, data: fashion-mnist, arch: fashion-cnn, epochs: 1, limit: 512, validate: none}
      - classify: {images: ["${PHOTOS}/coffee.png", "${PHOTOS}/chelsea.png"], top: 3}
      - visualize: {name: prototypes, objective: ["class:Sneaker", "class:Bag"], steps: 4, size: 28}
      - attack: {image: "${PHOTOS}/coffee.png", method: pgd, eps: 0.1, steps: 3}
      - attribute: {image: "${PHOTOS}/coffee.png", method: "gradcam,saliency"}
      - deconv: {image: "${PHOTOS}/coffee.png", layer: "3", top-channels: 2, rule: "deconvnet,guided"}
      - robustness: {data: "fashion-mnist:test", attacks: "fgsm,pgd", eps: "0,0.05,0.1", steps: 3, limit: 64}
      - evaluate: {data: "fashion-mnist:test", limit: 100}
    """

    var dir: URL!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        guard FileManager.default.fileExists(atPath: Assets.photo("coffee.png").path) else { throw XCTSkip("run `make assets`") }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-recipe-page-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func testTheRecipePageAndTheGalleryShowWhatEachStepFound() throws {
        // A folder Loupe owns, holding the recipe run, a single run and an old run without a card.
        let root = dir.appendingPathComponent("runs")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data().write(to: root.appendingPathComponent(".loupe-runs"))
        let old = root.appendingPathComponent("old")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: LoupeBinary.root.appendingPathComponent("Tests/Fuzz/corpus/FuzzPNG/rgb.png"),
                                         to: old.appendingPathComponent("picture.png"))
        try "<!DOCTYPE html><title>old</title><img src=\"picture.png\">".write(to: old.appendingPathComponent("index.html"),
                                                                                 atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)],
                                              ofItemAtPath: old.appendingPathComponent("index.html").path)

        let file = dir.appendingPathComponent("tiny.yaml")
        try Self.recipe.write(to: file, atomically: true, encoding: .utf8)
        let run = root.appendingPathComponent("tiny")
        let r = try LoupeBinary.run(["run", file.path, "--out", run.path])
        XCTAssertEqual(r.status, 0, r.stderr)

        // The terminal: a table of every step's headline, then where the page is.
        let table = r.stdout.components(separatedBy: "\n").drop { !$0.hasPrefix("step ") }.filter { !$0.isEmpty }
        XCTAssertEqual(table.dropFirst().map { String($0.prefix { $0 != " " }) }, Self.steps, r.stdout)
        XCTAssertTrue(table.contains { $0.hasPrefix("attack ") && $0.contains("before ") && $0.contains("after ") }, "\(table)")
        XCTAssertTrue(table.contains { $0.hasPrefix("robustness ") && $0.contains("clean accuracy") && $0.contains("self-audit") })
        XCTAssertEqual(r.stderr.split(separator: "\n").last.map(String.init), "report: \(run.appendingPathComponent("index.html").path)")

        let cli = try LoupeBinary.run(["classify", Assets.photo("coffee.png").path, "--out", root.appendingPathComponent("single").path,
                                       "--quiet"])
        XCTAssertEqual(cli.status, 0, cli.stderr)

        // The recipe's page: one card per step, each with a picture; every number checked.
        let page = try BrowserPage(run.appendingPathComponent("index.html"))
        XCTAssertEqual(page.selfCheck, "ok")
        XCTAssertEqual(page.console, [])
        XCTAssertEqual(page.cards.map(\.run), Self.steps)
        var checked = 0
        for card in page.cards {
            XCTAssertFalse(card.pictures.isEmpty, "\(card.run) shows no picture")
            XCTAssertFalse(card.quantities.isEmpty, "\(card.run) shows no number")
            let result = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent(card.run).appendingPathComponent("result.json")))
            for q in card.quantities {
                let value = try XCTUnwrap(Self.value(at: q.key, in: result), "\(card.run): result.json has no \(q.key)")
                XCTAssertEqual(q.shown, Self.shown(value, q.format), "\(card.run): \(q.key)")
                if let number = value as? NSNumber {
                    // Foundation's JSONSerialization on Linux may parse a double one ulp off (2.2363361716270447 →
                    // 2.236336171627044), so the exact value on the page is compared within a few ulps.
                    let exact = try XCTUnwrap(q.value.flatMap(Double.init), "\(card.run): \(q.key) has no data-value")
                    XCTAssertEqual(exact, number.doubleValue, accuracy: abs(number.doubleValue) * 1e-15, "\(card.run): \(q.key)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 25)
        // The labs' own headline numbers are there: the attack's classes before and after.
        let attack = try XCTUnwrap(page.cards.first { $0.run == "attack" })
        XCTAssertEqual(attack.quantities.map(\.key).prefix(4), ["before.top.0.name", "before.top.0.probability", "after.top.0.name",
                                                                "after.top.0.probability"])
        for link in page.links { XCTAssertTrue(Self.resolves(link, from: run), "broken link \(link)") }

        // The gallery: every run folder with a thumbnail, newest first, links that resolve.
        let gallery = try BrowserPage(root.appendingPathComponent("index.html"))
        XCTAssertEqual(gallery.selfCheck, "ok")
        XCTAssertEqual(gallery.console, [])
        XCTAssertEqual(gallery.cards.map(\.run), ["single", "tiny", "old"])
        for card in gallery.cards { XCTAssertEqual(card.pictures.count, 1, "\(card.run) has no thumbnail") }
        XCTAssertTrue(gallery.cards[0].quantities.contains { $0.key == "results.0.top.0.name" && $0.shown == "espresso" })
        for link in gallery.links + gallery.cards.flatMap(\.pictures) { XCTAssertTrue(Self.resolves(link, from: root), "broken link \(link)") }
        XCTAssertTrue(gallery.dom.contains("loupe run \(file.path) --out \(run.path)"), "the recipe's command is shown")
    }

    /// The value at a dotted key path (object keys, array indices) of parsed JSON.
    static func value(at key: String, in json: Any) -> Any? {
        key.split(separator: ".").reduce(json as Any?) { node, part in
            if let object = node as? [String: Any] { return object[String(part)] }
            if let array = node as? [Any], let i = Int(part), array.indices.contains(i) { return array[i] }
            return nil
        }
    }

    /// How a card shows a value, written out from the formats' definitions.
    static func shown(_ value: Any, _ format: String) -> String {
        if value is NSNull { return "–" }
        guard let number = value as? NSNumber, !(value is String) else { return "\(value)" }
        let v = number.doubleValue
        func significant(_ v: Double) -> String {
            switch abs(v) {
            case 0: return "0"
            case 1e6..., ..<1e-3: return String(format: "%.2e", v)
            case 100...: return String(format: "%.0f", v)
            default: return String(format: "%.3g", v)
            }
        }
        switch format {
        case "percent": return String(format: "%.1f%%", 100 * v)
        case "budget": return "\(significant(v)) (\(significant(255 * v))/255)"
        case "integer": return String(format: "%.0f", v)
        default: return significant(v)
        }
    }

    /// Whether a relative link of a page in `base` names an existing file.
    static func resolves(_ link: String, from base: URL) -> Bool {
        guard let path = link.removingPercentEncoding, !link.contains("://") else { return false }
        return FileManager.default.fileExists(atPath: base.appendingPathComponent(path).path)
    }
}

/// A page as headless Chromium left it after load: its self-check, console messages, and
/// the cards with their pictures and numbers.
struct BrowserPage {
    struct Quantity { let key, format, shown: String; let value: String? }
    struct Card { let run: String; let pictures: [String]; let quantities: [Quantity] }

    let dom: String
    let console: [String]

    init(_ url: URL) throws {
        let (dom, log) = try BrowserTests.render(url)
        (self.dom, console) = (dom, BrowserTests.consoleMessages(log))
    }

    var selfCheck: String? { Self.matches(#"data-loupe-check="([^"]*)""#, in: dom).first?.first }

    var cards: [Card] {
        dom.components(separatedBy: "<article class=\"card\"").dropFirst().map { html in
            let body = html.components(separatedBy: "</article>")[0]
            let quantities = Self.matches(#"<span class="q" data-key="([^"]*)" data-format="([^"]*)"(?: data-value="([^"]*)")?>([^<]*)</span>"#, in: body)
                .map { Quantity(key: Self.unescape($0[0]), format: $0[1], shown: Self.unescape($0[3]), value: $0[2].isEmpty ? nil : $0[2]) }
            return Card(run: Self.unescape(Self.matches(#"data-run="([^"]*)""#, in: body)[0][0]),
                        pictures: Self.matches(#"<img src="([^"]*)""#, in: body).map { Self.unescape($0[0]) }, quantities: quantities)
        }
    }

    var links: [String] { Self.matches(#"<a[^>]* href="([^"]*)""#, in: dom).map { Self.unescape($0[0]) } }

    static func matches(_ pattern: String, in text: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (1..<m.numberOfRanges).map { Range(m.range(at: $0), in: text).map { String(text[$0]) } ?? "" }
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}
