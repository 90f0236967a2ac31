import LoupeData

/// Contact sheets: images tiled in a grid on a light background.
public enum ImageGrid {
    /// Tiles `images` (converted to RGB) `columns` wide; each cell is `cell` pixels square,
    /// images scaled by nearest neighbour so small ones (28×28) stay crisp.
    public static func make(_ images: [Image], columns: Int, cell: Int? = nil, gap: Int = 4) throws -> Image {
        guard !images.isEmpty else { return try Image(width: 1, height: 1, channels: 3, fill: 255) }
        let side = cell ?? max(images.map { max($0.width, $0.height) }.max() ?? 1, 64)
        let cols = max(1, min(columns, images.count)), rows = (images.count + cols - 1) / cols
        let width = cols * side + (cols + 1) * gap, height = rows * side + (rows + 1) * gap
        var sheet = try Image(width: width, height: height, channels: 3, fill: 245)
        for (k, image) in images.enumerated() {
            let rgb = image.rgb()
            let (ox, oy) = (gap + (k % cols) * (side + gap), gap + (k / cols) * (side + gap))
            let scale = Double(side) / Double(max(rgb.width, rgb.height))
            let (w, h) = (Int(Double(rgb.width) * scale), Int(Double(rgb.height) * scale))
            for y in 0..<h {
                let sy = min(Int(Double(y) / scale), rgb.height - 1)
                for x in 0..<w {
                    let sx = min(Int(Double(x) / scale), rgb.width - 1)
                    for c in 0..<3 {
                        sheet.pixels[((oy + y) * width + ox + x) * 3 + c] = rgb.pixels[(sy * rgb.width + sx) * 3 + c]
                    }
                }
            }
        }
        return sheet
    }

    /// Nearest-neighbour enlargement so tiny images are visible in a page.
    public static func enlarged(_ image: Image, toAtLeast side: Int) throws -> Image {
        let factor = max(1, side / max(image.width, image.height))
        guard factor > 1 else { return image }
        return try make([image], columns: 1, cell: max(image.width, image.height) * factor, gap: 0)
    }
}
