import LoupeData
import LoupeTensor
import XCTest

/// SLIC on images whose right answer is known: flat colour regions, and the CIELAB
/// conversion against published values.
final class SLICTests: XCTestCase {
    func testCIELABOfKnownColours() {
        // sRGB primaries under D65 (Lindbloom's tables; skimage's rgb2lab agrees).
        let cases: [((Float, Float, Float), (Float, Float, Float))] = [
            ((1, 1, 1), (100, 0, 0)), ((0, 0, 0), (0, 0, 0)),
            ((1, 0, 0), (53.2408, 80.0925, 67.2032)), ((0, 1, 0), (87.7347, -86.1827, 83.1793)),
            ((0, 0, 1), (32.2970, 79.1875, -107.8602)), ((0.5, 0.5, 0.5), (53.3890, 0, 0)),
        ]
        for (rgb, expected) in cases {
            let lab = CIELAB.fromSRGB(rgb.0, rgb.1, rgb.2)
            XCTAssertEqual(lab.l, expected.0, accuracy: 0.01, "\(rgb)")
            XCTAssertEqual(lab.a, expected.1, accuracy: 0.01, "\(rgb)")
            XCTAssertEqual(lab.b, expected.2, accuracy: 0.01, "\(rgb)")
        }
    }

    /// Four flat rectangles on 64×64, split at x = 30 and, left and right of it, at
    /// y = 28 and y = 36: no edge lies on SLIC's 32-pixel grid.
    static func region(_ x: Int, _ y: Int) -> Int { x < 30 ? (y < 28 ? 0 : 2) : (y < 36 ? 1 : 3) }
    static let colours: [(Float, Float, Float)] = [(0.9, 0.2, 0.1), (0.1, 0.6, 0.2), (0.2, 0.3, 0.9), (0.8, 0.8, 0.3)]

    static func rectangles(gray: Bool = false) -> [Float] {
        let n = 64 * 64
        var planes = [Float](repeating: 0, count: (gray ? 1 : 3) * n)
        for y in 0..<64 {
            for x in 0..<64 {
                let c = colours[region(x, y)]
                if gray {
                    planes[y * 64 + x] = [0.1, 0.4, 0.7, 0.95][region(x, y)]
                } else {
                    (planes[y * 64 + x], planes[n + y * 64 + x], planes[2 * n + y * 64 + x]) = c
                }
            }
        }
        return planes
    }

    func testFourFlatRegionsAreFourSegments() throws {
        for gray in [false, true] {
            let s = try SLIC.segment(Self.rectangles(gray: gray), channels: gray ? 1 : 3, height: 64, width: 64,
                                     segments: 4, compactness: 10)
            XCTAssertEqual(s.count, 4, "gray \(gray)")
            // Each region is exactly one segment: the labels are the regions renumbered.
            var labelOfRegion = [Int: Int]()
            for y in 0..<64 {
                for x in 0..<64 {
                    let r = Self.region(x, y), l = s.labels[y * 64 + x]
                    if let seen = labelOfRegion[r] { XCTAssertEqual(l, seen, "gray \(gray), pixel (\(x), \(y))") } else { labelOfRegion[r] = l }
                }
            }
            XCTAssertEqual(Set(labelOfRegion.values).count, 4)
        }
    }

    func testMoreSegmentsThanRegionsNeverCrossAnEdge() throws {
        let s = try SLIC.segment(Self.rectangles(), channels: 3, height: 64, width: 64, segments: 16, compactness: 10)
        // Boundaries lie on the region edges: no segment holds pixels of two regions…
        for pixels in s.members {
            XCTAssertEqual(Set(pixels.map { Self.region($0 % 64, $0 / 64) }).count, 1)
        }
        // …and every pair of neighbours across an edge is in two segments.
        for y in 0..<64 {
            for x in 0..<63 where Self.region(x, y) != Self.region(x + 1, y) {
                XCTAssertNotEqual(s.labels[y * 64 + x], s.labels[y * 64 + x + 1])
            }
        }
        XCTAssertTrue((8...24).contains(s.count), "\(s.count) segments for 16 asked")
        assertConnected(s)
    }

    func testSegmentsOfNoiseAreConnectedAndReproducible() throws {
        let stream = RandomStream(seed: 3)
        let planes = (0..<(3 * 40 * 56)).map { stream.uniform(at: UInt64($0)) }
        let a = try SLIC.segment(planes, channels: 3, height: 40, width: 56, segments: 30, compactness: 10)
        let b = try SLIC.segment(planes, channels: 3, height: 40, width: 56, segments: 30, compactness: 10)
        XCTAssertEqual(a, b)
        // On noise colour dominates and k-means leaves clusters in fragments: the orphans
        // must all have been merged away.
        assertConnected(a)
        // A high compactness makes the cells close to the grid: about 30, each about S² pixels.
        let square = try SLIC.segment(planes, channels: 3, height: 40, width: 56, segments: 30, compactness: 1000)
        assertConnected(square)
        XCTAssertTrue((25...35).contains(square.count), "\(square.count)")
    }

    /// Every segment is one 4-connected piece (the connectivity step's promise).
    func assertConnected(_ s: Segmentation, file: StaticString = #filePath, line: UInt = #line) {
        for (label, pixels) in s.members.enumerated() {
            var seen: Set<Int> = [pixels[0]], queue = [pixels[0]]
            while let i = queue.popLast() {
                let (x, y) = (i % s.width, i / s.width)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                    where nx >= 0 && nx < s.width && ny >= 0 && ny < s.height {
                    let j = ny * s.width + nx
                    if s.labels[j] == label, seen.insert(j).inserted { queue.append(j) }
                }
            }
            XCTAssertEqual(seen.count, pixels.count, "segment \(label) is in pieces", file: file, line: line)
        }
    }

    func testOutlineMarksBothSidesOfEachEdge() throws {
        // Two segments, columns 0–2 and 3–5 of a 6×2 image.
        let s = try Segmentation(labels: [0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1], width: 6, height: 2)
        let image = try Image(width: 6, height: 2, channels: 1, fill: 100)
        let out = try s.outlined(on: image, color: (255, 0, 0))
        XCTAssertEqual(out.channels, 3)
        for y in 0..<2 {
            for x in 0..<6 {
                let expected: [UInt8] = x == 2 || x == 3 ? [255, 0, 0] : [100, 100, 100]
                XCTAssertEqual((0..<3).map { out[x: x, y: y, c: $0] }, expected, "(\(x), \(y))")
            }
        }
    }

    func testBadInputsAreErrors() {
        let planes = [Float](repeating: 0.5, count: 3 * 16)
        XCTAssertThrowsError(try SLIC.segment(planes, channels: 3, height: 4, width: 4, segments: 0, compactness: 10))
        XCTAssertThrowsError(try SLIC.segment(planes, channels: 3, height: 4, width: 4, segments: 4, compactness: 0))
        XCTAssertThrowsError(try SLIC.segment(planes, channels: 3, height: 4, width: 4, segments: 4, compactness: .nan))
        XCTAssertThrowsError(try SLIC.segment(planes, channels: 2, height: 4, width: 6, segments: 4, compactness: 10))
        XCTAssertThrowsError(try SLIC.segment(planes, channels: 3, height: 4, width: 5, segments: 4, compactness: 10))
        XCTAssertThrowsError(try SLIC.segment([.nan] + planes.dropFirst(), channels: 3, height: 4, width: 4, segments: 4, compactness: 10))
        XCTAssertThrowsError(try Segmentation(labels: [0, 2], width: 2, height: 1), "label 1 unused")
        XCTAssertThrowsError(try Segmentation(labels: [0, -1], width: 2, height: 1))
        XCTAssertThrowsError(try Segmentation(labels: [0], width: 2, height: 1))
        // More segments than pixels is not an error: every pixel its own segment at most.
        XCTAssertLessThanOrEqual((try? SLIC.segment(planes, channels: 3, height: 4, width: 4, segments: 100, compactness: 10).count) ?? 99, 16)
    }
}
