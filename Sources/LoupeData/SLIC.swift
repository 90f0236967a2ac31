import Foundation

/// SLIC superpixels (Achanta et al. 2012, "SLIC Superpixels Compared to State-of-the-Art
/// Superpixel Methods"): k-means on (L*, a*, b*, x, y) where each centre only looks at
/// the pixels within 2S×2S of it, S = √(pixels / segments) being the grid interval. The
/// distance D² = d_lab² + (d_xy / S)²·m² weighs colour against space with the
/// compactness m: a large m gives square, grid-like cells, a small m cells that follow
/// colour edges. Everything runs in a fixed order, so the same image gives the same
/// segmentation.
public enum SLIC {
    /// The refinement passes; Achanta et al. found 10 enough for nearly every image.
    public static let iterations = 10

    /// Segments planes [C, H, W] with values in [0, 1] (C = 3 for RGB, 1 for gray) into
    /// about `segments` superpixels, each 4-connected.
    public static func segment(_ planes: [Float], channels: Int, height h: Int, width w: Int,
                               segments: Int, compactness: Float) throws -> Segmentation {
        let (n, overflow) = h.multipliedReportingOverflow(by: w)
        guard h >= 1, w >= 1, !overflow, channels == 1 || channels == 3,
              planes.count == channels * n else {
            throw ImageError.invalidImage("SLIC needs \(channels) planes of \(h)×\(w) (1 or 3 channels), got \(planes.count) values")
        }
        guard segments >= 1 else { throw ImageError.invalidImage("SLIC needs at least 1 segment, got \(segments)") }
        guard compactness.isFinite, compactness > 0 else {
            throw ImageError.invalidImage("SLIC compactness must be a positive number, got \(compactness)")
        }
        guard planes.allSatisfy(\.isFinite) else { throw ImageError.invalidImage("SLIC input has a NaN or infinite value") }

        let lab = CIELAB.planes(planes, channels: channels, pixels: n)
        let step = (Double(n) / Double(Swift.min(segments, n))).squareRoot()
        var centres = seeds(lab, height: h, width: w, step: step)
        let spatial = Float(Double(compactness) / step) * Float(Double(compactness) / step)
        var labels = [Int](repeating: 0, count: n)
        for _ in 0..<iterations {
            labels = assign(lab, centres, height: h, width: w, step: step, spatial: spatial)
            centres = update(lab, labels, centres, height: h, width: w)
        }
        return try Segmentation(labels: connected(labels, height: h, width: w, minimumSize: Int(step * step / 4)),
                                width: w, height: h)
    }

    /// A cluster centre: colour and position (x along a row, y down the columns).
    struct Centre {
        var l, a, b: Float
        var x, y: Double
    }

    /// One centre per cell of a grid of about S×S cells, moved to the lowest colour
    /// gradient of its 3×3 neighbourhood so that no seed starts on an edge or a noisy pixel.
    static func seeds(_ lab: [Float], height h: Int, width w: Int, step: Double) -> [Centre] {
        let n = h * w
        let columns = Swift.max(1, Int((Double(w) / step).rounded())), rows = Swift.max(1, Int((Double(h) / step).rounded()))
        func colour(_ x: Int, _ y: Int) -> (Float, Float, Float) {
            let i = Swift.min(Swift.max(y, 0), h - 1) * w + Swift.min(Swift.max(x, 0), w - 1)
            return (lab[i], lab[n + i], lab[2 * n + i])
        }
        // ‖I(x+1, y) − I(x−1, y)‖² + ‖I(x, y+1) − I(x, y−1)‖², edges repeated.
        func gradient(_ x: Int, _ y: Int) -> Float {
            let (r, l, d, u) = (colour(x + 1, y), colour(x - 1, y), colour(x, y + 1), colour(x, y - 1))
            let dx = (r.0 - l.0) * (r.0 - l.0) + (r.1 - l.1) * (r.1 - l.1) + (r.2 - l.2) * (r.2 - l.2)
            let dy = (d.0 - u.0) * (d.0 - u.0) + (d.1 - u.1) * (d.1 - u.1) + (d.2 - u.2) * (d.2 - u.2)
            return dx + dy
        }
        var out: [Centre] = []
        for row in 0..<rows {
            for column in 0..<columns {
                let x0 = Swift.min(w - 1, Int((Double(column) + 0.5) * Double(w) / Double(columns)))
                let y0 = Swift.min(h - 1, Int((Double(row) + 0.5) * Double(h) / Double(rows)))
                var (bx, by, best) = (x0, y0, gradient(x0, y0))
                for y in Swift.max(0, y0 - 1)...Swift.min(h - 1, y0 + 1) {
                    for x in Swift.max(0, x0 - 1)...Swift.min(w - 1, x0 + 1) {
                        let g = gradient(x, y)
                        if g < best { (bx, by, best) = (x, y, g) }
                    }
                }
                let c = colour(bx, by)
                out.append(Centre(l: c.0, a: c.1, b: c.2, x: Double(bx), y: Double(by)))
            }
        }
        return out
    }

    /// Each pixel's nearest centre among those whose 2S×2S window holds it; ties go to
    /// the earlier centre. A pixel no window reaches (rare, after centres drift) takes
    /// its nearest centre over all.
    static func assign(_ lab: [Float], _ centres: [Centre], height h: Int, width w: Int,
                       step: Double, spatial: Float) -> [Int] {
        let n = h * w
        var labels = [Int](repeating: -1, count: n), best = [Float](repeating: .infinity, count: n)
        func distance(_ c: Centre, _ x: Int, _ y: Int) -> Float {
            let i = y * w + x
            let (dl, da, db) = (lab[i] - c.l, lab[n + i] - c.a, lab[2 * n + i] - c.b)
            let (dx, dy) = (Float(Double(x) - c.x), Float(Double(y) - c.y))
            return dl * dl + da * da + db * db + (dx * dx + dy * dy) * spatial
        }
        for (k, c) in centres.enumerated() {
            let x0 = Swift.max(0, Int((c.x - step).rounded(.down))), x1 = Swift.min(w - 1, Int((c.x + step).rounded(.up)))
            let y0 = Swift.max(0, Int((c.y - step).rounded(.down))), y1 = Swift.min(h - 1, Int((c.y + step).rounded(.up)))
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 {
                    let d = distance(c, x, y)
                    if d < best[y * w + x] { (best[y * w + x], labels[y * w + x]) = (d, k) }
                }
            }
        }
        for i in 0..<n where labels[i] < 0 {
            var nearest = 0, smallest = Float.infinity
            for (k, c) in centres.enumerated() {
                let d = distance(c, i % w, i / w)
                if d < smallest { (nearest, smallest) = (k, d) }
            }
            labels[i] = nearest
        }
        return labels
    }

    /// Every centre moved to the mean colour and position of its pixels; a centre that
    /// lost all of them stays where it was.
    static func update(_ lab: [Float], _ labels: [Int], _ centres: [Centre], height h: Int, width w: Int) -> [Centre] {
        let n = h * w
        var sums = [[Double]](repeating: [0, 0, 0, 0, 0], count: centres.count), counts = [Int](repeating: 0, count: centres.count)
        for i in 0..<n {
            let k = labels[i]
            sums[k][0] += Double(lab[i]); sums[k][1] += Double(lab[n + i]); sums[k][2] += Double(lab[2 * n + i])
            sums[k][3] += Double(i % w); sums[k][4] += Double(i / w)
            counts[k] += 1
        }
        return centres.indices.map { k in
            guard counts[k] > 0 else { return centres[k] }
            let s = sums[k], c = Double(counts[k])
            return Centre(l: Float(s[0] / c), a: Float(s[1] / c), b: Float(s[2] / c), x: s[3] / c, y: s[4] / c)
        }
    }

    /// Achanta et al.'s connectivity step: k-means does not keep a cluster in one piece,
    /// so each 4-connected piece becomes its own segment, and a piece smaller than
    /// `minimumSize` (a quarter of a grid cell, as in their code) is an orphan merged
    /// into the segment of an already numbered neighbour of its first pixel. Segments
    /// are renumbered 0… in the row-major order of their first pixel.
    static func connected(_ labels: [Int], height h: Int, width w: Int, minimumSize: Int) -> [Int] {
        let n = h * w
        var out = [Int](repeating: -1, count: n), next = 0
        var piece: [Int] = []
        for start in 0..<n where out[start] < 0 {
            let (sx, sy) = (start % w, start / w)
            var adjacent = -1
            for (x, y) in [(sx - 1, sy), (sx, sy - 1), (sx + 1, sy), (sx, sy + 1)]
                where adjacent < 0 && x >= 0 && x < w && y >= 0 && y < h && out[y * w + x] >= 0 {
                adjacent = out[y * w + x]
            }
            piece = [start]
            out[start] = next
            var head = 0
            while head < piece.count {
                let i = piece[head]
                head += 1
                let (x, y) = (i % w, i / w)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && nx < w && ny >= 0 && ny < h {
                    let j = ny * w + nx
                    if out[j] < 0 && labels[j] == labels[start] {
                        out[j] = next
                        piece.append(j)
                    }
                }
            }
            if piece.count < minimumSize && adjacent >= 0 {
                for i in piece { out[i] = adjacent }
            } else {
                next += 1
            }
        }
        return out
    }
}
