/// A partition of an image's pixels into `count` segments (superpixels), numbered
/// 0..<count in the row-major order of their first pixel.
public struct Segmentation: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// The segment of every pixel, row-major.
    public let labels: [Int]
    public let count: Int

    /// Checks that `labels` covers width·height pixels and uses every number 0..<count.
    public init(labels: [Int], width: Int, height: Int) throws {
        let (n, overflow) = width.multipliedReportingOverflow(by: height)
        guard width >= 1, height >= 1, !overflow, labels.count == n else {
            throw ImageError.invalidImage("a \(width)×\(height) segmentation needs one label per pixel, got \(labels.count)")
        }
        let count = (labels.max() ?? -1) + 1
        var used = [Bool](repeating: false, count: Swift.max(count, 0))
        for l in labels {
            guard l >= 0 else { throw ImageError.invalidImage("segment labels must not be negative, got \(l)") }
            used[l] = true
        }
        guard used.allSatisfy({ $0 }) else { throw ImageError.invalidImage("segment labels must be 0..<\(count) with none unused") }
        (self.width, self.height, self.labels, self.count) = (width, height, labels, count)
    }

    /// The pixel indices of each segment, in row-major order.
    public var members: [[Int]] {
        var out = [[Int]](repeating: [], count: count)
        for (i, l) in labels.enumerated() { out[l].append(i) }
        return out
    }

    /// Whether the pixel at index `i` touches (4-connected) a pixel of another segment.
    public func isBoundary(_ i: Int) -> Bool {
        let (x, y, l) = (i % width, i / width, labels[i])
        return (x > 0 && labels[i - 1] != l) || (x + 1 < width && labels[i + 1] != l)
            || (y > 0 && labels[i - width] != l) || (y + 1 < height && labels[i + width] != l)
    }

    /// `image` with the segment boundaries drawn over it in `color` (RGB), as skimage's
    /// `mark_boundaries` shows superpixels: a line on both sides of each edge.
    public func outlined(on image: Image, color: (UInt8, UInt8, UInt8) = (255, 230, 0)) throws -> Image {
        guard image.width == width, image.height == height else {
            throw ImageError.invalidImage("a \(width)×\(height) segmentation cannot outline a \(image.width)×\(image.height) image")
        }
        var out = image.rgb()
        for i in labels.indices where isBoundary(i) {
            (out.pixels[3 * i], out.pixels[3 * i + 1], out.pixels[3 * i + 2]) = color
        }
        return out
    }
}
