import LoupeData
import LoupeReport
import LoupeTensor

/// Turning maps and reconstructions into pictures.
public enum Render {
    /// A map as a heat map: signed maps in the diverging map, symmetric around zero
    /// (white is 0); magnitudes from 0 (or their minimum, if negative) to their maximum.
    public static func heatmap(_ map: AttributionMap, colormap: Colormap = .inferno) throws -> Image {
        let (cmap, range) = style(map, colormap)
        return try cmap.render(map.values, width: map.width, height: map.height, range: range)
    }

    /// The heat map blended over the image it explains.
    public static func overlay(_ map: AttributionMap, on image: Image, colormap: Colormap = .inferno,
                               alpha: Float = 0.55) throws -> Image {
        let (cmap, range) = style(map, colormap)
        return try cmap.overlay(map.values, width: map.width, height: map.height, range: range, on: image, alpha: alpha)
    }

    static func style(_ map: AttributionMap, _ colormap: Colormap) -> (Colormap, ClosedRange<Float>) {
        let finite = map.values.filter(\.isFinite)
        if map.signed {
            let m = finite.map(Swift.abs).max() ?? 0
            return (.diverging, m > 0 ? -m...m : -1...1)
        }
        let lo = Swift.min(finite.min() ?? 0, 0), hi = finite.max() ?? 1
        return (colormap, hi > lo ? lo...hi : lo...(lo + 1))
    }

    /// A reconstruction [C, H, W] as an image: 0 is mid-gray and the largest magnitude
    /// reaches black or white, so sign and relative strength survive (Zeiler & Fergus
    /// normalize each reconstruction on its own like this).
    public static func reconstruction(_ t: Tensor) throws -> Image {
        let values = t.scalars
        let m = values.map(Swift.abs).filter(\.isFinite).max() ?? 0
        let scale: Float = m > 0 ? 0.5 / m : 0
        let normalized = try Tensor(shape: [1] + t.shape, scalars: values.map { 0.5 + $0 * scale })
        return try Image.images(from: normalized)[0]
    }

    /// An image [C, H, W] in [0, 1] as an Image.
    public static func image(_ t: Tensor) throws -> Image {
        try Image.images(from: try t.reshaped([1] + t.shape))[0]
    }

    /// The square (x, y, side) of `image`.
    public static func crop(_ image: Image, _ box: (x: Int, y: Int, side: Int)) throws -> Image {
        try image.cropped(x: box.x, y: box.y, width: box.side, height: box.side)
    }
}
