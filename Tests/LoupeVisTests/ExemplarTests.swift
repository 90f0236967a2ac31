import LoupeData
import LoupeNN
import LoupeTensor
import LoupeVis
import XCTest

final class ExemplarTests: XCTestCase {
    /// Six 4×4 images, each black but for one bright pixel; through a 1×1 conv with weight
    /// 1 the channel's peak activation is that pixel, so the ranking is known in advance.
    func testTopKRanksByPeakActivationAndReconstructsTheUnit() throws {
        let spots: [(value: UInt8, x: Int, y: Int)] = [(40, 0, 0), (200, 3, 1), (90, 2, 2), (250, 1, 3), (200, 0, 2), (10, 3, 3)]
        var pixels = [UInt8](repeating: 0, count: spots.count * 16)
        for (i, s) in spots.enumerated() { pixels[i * 16 + s.y * 4 + s.x] = s.value }
        let data = try LabeledImages(pixels: pixels, labels: [0, 0, 0, 0, 0, 0], channels: 1, height: 4, width: 4,
                                     classes: ["spot"], source: "spots")
        let conv = try Conv2d(1, 1, kernel: 1, bias: false)
        conv.weight.value = try Tensor(shape: [1, 1, 1, 1], scalars: [1])
        let model = Model(name: "identity", network: Sequential([conv]), preset: TinyNetworks.preset(side: 4))

        let found = try ExemplarSearch(model: model).run(
            layer: "0", channel: 0, source: .labeled(data, name: "spots"), k: 3, batchSize: 4)
        // 250 (#3), then the tie at 200 broken by index (#1 before #4).
        XCTAssertEqual(found.map(\.index), [3, 1, 4])
        XCTAssertEqual(found[0].activation, 250.0 / 255, accuracy: 1e-6)
        for e in found {
            let s = spots[e.index]
            XCTAssertEqual(e.unit?.x, s.x)
            XCTAssertEqual(e.unit?.y, s.y)
            // Seed a at the unit, transposed 1×1 conv of weight 1: a at the same pixel.
            var expected = [Float](repeating: 0, count: 16)
            expected[s.y * 4 + s.x] = Float(s.value) / 255
            XCTAssertEqual(e.reconstruction.scalars, expected)
            XCTAssertEqual(e.crop.x, s.x)
            XCTAssertEqual(e.crop.y, s.y)
            XCTAssertEqual(e.crop.side, 1)
        }
    }

    func testFootprintIsASquareAroundTheSupport() throws {
        // Support rows 1–2, columns 2–5 of an 8×8 map: 4 wide, 2 tall → a 4-square,
        // centred on row 2 (rows 0–3 after centring (1+2+1)/2 = 2 − 2 = 0).
        var values = [Float](repeating: 0, count: 64)
        for y in 1...2 { for x in 2...5 { values[y * 8 + x] = 1 } }
        values[0] = 0.005   // below 1% of the peak: ignored
        let box = ExemplarSearch.footprint(try Tensor(shape: [1, 8, 8], scalars: values))
        XCTAssertEqual(box.side, 4)
        XCTAssertEqual(box.x, 2)
        XCTAssertEqual(box.y, 0)
    }
}
