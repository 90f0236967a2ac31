import Foundation
@testable import LoupeNN
import XCTest

final class AssetsTests: XCTestCase {
    func testMissingWeightsNameTheFetchCommand() {
        XCTAssertThrowsError(try Assets.weights("no-such-model-\(UUID().uuidString)")) { error in
            XCTAssertTrue("\(error)".contains("make assets"), "\(error)")
        }
        XCTAssertThrowsError(try Assets.existingPhoto("no-such-photo.png")) { error in
            XCTAssertTrue("\(error)".contains("make assets"), "\(error)")
        }
        XCTAssertEqual(Assets.photo("chelsea.png").lastPathComponent, "chelsea.png")
        XCTAssertEqual(Assets.photo("chelsea.png").deletingLastPathComponent().lastPathComponent, "photos")
    }
}
