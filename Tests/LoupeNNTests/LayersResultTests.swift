import Foundation
@testable import LoupeNN
import XCTest

final class LayersResultTests: XCTestCase {
    private let field = ReceptiveField(y: .init(size: 3, jump: 1, start: 1, length: 6), x: .init(size: 3, jump: 1, start: 1, length: 6))

    func testRoundTripWritesNullForTheWholeImage() throws {
        let result = LayersResult(model: "t", layers: [
            .init(name: "0", shape: [1, 2, 6, 6], receptiveField: field),
            .init(name: "1", shape: [1, 72], receptiveField: nil),
        ])
        let data = try JSONEncoder().encode(result)
        XCTAssertEqual(try JSONDecoder().decode(LayersResult.self, from: data), result)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.map { Set($0.keys) }, [["name", "shape", "receptive_field"], ["name", "shape", "receptive_field"]])
        XCTAssertEqual(layers[0]["receptive_field"] as? [String: Int], ["size": 3, "jump": 1])
        XCTAssertTrue(layers[1]["receptive_field"] is NSNull)
    }

    /// Names and shapes shorter than their headers: the headers set the column widths.
    func testTableHeaderLinesUpWithShortNames() {
        let result = LayersResult(model: "t", layers: [
            .init(name: "0", shape: [1, 2], receptiveField: field),
            .init(name: "1", shape: [1, 8], receptiveField: nil),
        ])
        XCTAssertEqual(result.table(), """
            layer  shape  receptive field
            0      1×2    3 px (units 1 px apart)
            1      1×8    whole image

            """)
    }

    /// Long names and shapes widen their columns, header included.
    func testTableHeaderWidensWithLongNames() {
        let result = LayersResult(model: "t", layers: [.init(name: "blocks.10", shape: [1, 80, 14, 14], receptiveField: nil)])
        XCTAssertEqual(result.table(), """
            layer      shape       receptive field
            blocks.10  1×80×14×14  whole image

            """)
    }
}
