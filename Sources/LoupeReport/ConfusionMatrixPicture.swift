import Foundation
import LoupeData

/// The confusion matrix as a picture: a PNG heat map (rows: true class, columns:
/// predicted, shade: share of the row) with counts drawn in a small bitmap font, and an
/// SVG version with class names for the HTML page.
public enum ConfusionMatrixPicture {
    /// Each cell is `cell` pixels square; a header row and column number the classes.
    public static func heatMap(_ confusion: [[Int]], cell: Int = 44) throws -> Image {
        let k = confusion.count
        guard k > 0, confusion.allSatisfy({ $0.count == k }) else {
            throw ReportError.io("confusion matrix", "needs a square matrix, got \(confusion.map(\.count))")
        }
        let margin = cell / 2 + 8
        let side = margin + k * cell + 1
        var image = try Image(width: side, height: side, channels: 3, fill: 255)
        for (i, row) in confusion.enumerated() {
            let total = max(row.reduce(0, +), 1)
            for (j, count) in row.enumerated() {
                let share = Double(count) / Double(total)
                let color = shade(share, diagonal: i == j)
                let (x0, y0) = (margin + j * cell, margin + i * cell)
                fill(&image, x: x0 + 1, y: y0 + 1, width: cell - 1, height: cell - 1, color: color)
                let ink: [UInt8] = share > 0.5 ? [255, 255, 255] : [40, 40, 40]
                drawNumber(&image, count, centerX: x0 + cell / 2, centerY: y0 + cell / 2, scale: cell >= 40 ? 2 : 1, color: ink)
            }
            drawNumber(&image, i, centerX: margin / 2, centerY: margin + i * cell + cell / 2, scale: 2, color: [90, 90, 90])
            drawNumber(&image, i, centerX: margin + i * cell + cell / 2, centerY: margin / 2, scale: 2, color: [90, 90, 90])
        }
        return image
    }

    /// White → blue for the diagonal (correct), white → red off it (mistakes).
    static func shade(_ share: Double, diagonal: Bool) -> [UInt8] {
        let t = min(max(share, 0), 1)
        let target: [Double] = diagonal ? [31, 84, 160] : [190, 40, 40]
        // Off-diagonal shares are small; a square root makes 2–5% mistakes visible.
        let s = diagonal ? t : t.squareRoot()
        return target.map { UInt8((255 - (255 - $0) * s).rounded()) }
    }

    static func fill(_ image: inout Image, x: Int, y: Int, width: Int, height: Int, color: [UInt8]) {
        for yy in max(y, 0)..<min(y + height, image.height) {
            for xx in max(x, 0)..<min(x + width, image.width) {
                for c in 0..<3 { image.pixels[(yy * image.width + xx) * 3 + c] = color[c] }
            }
        }
    }

    /// 3×5 digit glyphs, one row of bits per line.
    static let glyphs: [[UInt8]] = [
        [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
        [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 2, 2, 2], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
    ]

    static func drawNumber(_ image: inout Image, _ value: Int, centerX: Int, centerY: Int, scale: Int, color: [UInt8]) {
        let digits = String(max(value, 0)).compactMap { $0.wholeNumberValue }
        let advance = 4 * scale
        let width = digits.count * advance - scale, height = 5 * scale
        var x = centerX - width / 2
        let y = centerY - height / 2
        for d in digits {
            for (row, bits) in glyphs[d].enumerated() {
                for col in 0..<3 where bits & (4 >> col) != 0 {
                    fill(&image, x: x + col * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            x += advance
        }
    }

    /// An SVG table-like heat map with class names and counts.
    public static func svg(_ confusion: [[Int]], classes: [String], cell: Double = 38) -> String {
        let k = confusion.count
        let labelWidth = 110.0, top = 110.0
        let width = labelWidth + Double(k) * cell + 10, height = top + Double(k) * cell + 30
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        for (j, name) in classes.prefix(k).enumerated() {
            let x = labelWidth + Double(j) * cell + cell / 2
            svg += "<text transform=\"translate(\(f(x)) \(f(top - 6))) rotate(-50)\">\(escapeXML(name))</text>"
        }
        for (i, row) in confusion.enumerated() {
            let total = max(row.reduce(0, +), 1)
            let y = top + Double(i) * cell
            let name = i < classes.count ? classes[i] : "\(i)"
            svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"end\">\(escapeXML(name))</text>"
            for (j, count) in row.enumerated() {
                let share = Double(count) / Double(total)
                let c = shade(share, diagonal: i == j)
                let x = labelWidth + Double(j) * cell
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" fill=\"rgb(\(c[0]),\(c[1]),\(c[2]))\"><title>\(escapeXML(name)) → \(escapeXML(j < classes.count ? classes[j] : "\(j)")): \(count)</title></rect>"
                svg += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"middle\" fill=\"\(share > 0.5 ? "white" : "#333")\">\(count)</text>"
            }
        }
        svg += "<text x=\"\(f(labelWidth))\" y=\"\(f(height - 8))\">rows: true class · columns: predicted class</text>"
        return svg + "</svg>"
    }

    static func escapeXML(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
