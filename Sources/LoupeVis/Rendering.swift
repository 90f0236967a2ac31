import Foundation
import LoupeData
import LoupeReport
import LoupeTensor

/// Turning maps and reconstructions into pictures.
public enum Render {
    /// A map as a heat map: signed maps in the diverging map, symmetric around zero
    /// (white is 0); magnitudes from 0 (or their minimum, if negative) upwards. The top
    /// of the scale is the 99.5th percentile of the magnitudes, so that the sparse peaks
    /// of gradient maps do not leave everything else black (values above it saturate).
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

    /// The colormap and the value range the pictures of `map` span, and the rule in words,
    /// so that result.json can say how the PNG relates to the raw values.
    public static func scale(of map: AttributionMap, colormap: Colormap) -> (colormap: Colormap, range: ClosedRange<Float>, rule: String) {
        let (cmap, range) = style(map, colormap)
        let rule = map.signed
            ? "symmetric about 0 up to the 99.5th percentile of |value|; beyond it the colors saturate"
            : "from min(0, smallest value) up to the 99.5th percentile of the positive values; beyond it the colors saturate"
        return (cmap, range, rule)
    }

    static func style(_ map: AttributionMap, _ colormap: Colormap) -> (Colormap, ClosedRange<Float>) {
        let finite = map.values.filter(\.isFinite)
        let top = percentile(finite.map(Swift.abs), 0.995)
        if map.signed { return (.diverging, top > 0 ? -top...top : -1...1) }
        let lo = Swift.min(finite.min() ?? 0, 0)
        return (colormap, top > lo ? lo...top : lo...(lo + 1))
    }

    /// The p-quantile of the positive values (the largest one if that would be 0).
    static func percentile(_ values: [Float], _ p: Double) -> Float {
        let positive = values.filter { $0 > 0 }.sorted()
        guard let largest = positive.last else { return 0 }
        let q = positive[Swift.min(positive.count - 1, Int(Double(positive.count) * p))]
        return q > 0 ? q : largest
    }

    /// A reconstruction [C, H, W] as an image: 0 is mid-gray and the 99.5th percentile
    /// of the magnitudes reaches black or white (brighter pixels clip), so sign and
    /// relative strength survive and a few extreme pixels cannot wash the rest out.
    /// Zeiler & Fergus likewise contrast-normalize each reconstruction on its own.
    public static func reconstruction(_ t: Tensor, quantile: Double = 0.995) throws -> Image {
        let values = t.scalars
        let m = percentile(values.filter(\.isFinite).map(Swift.abs), quantile)
        let scale: Float = m > 0 ? 0.5 / m : 0
        let normalized = try Tensor(shape: [1] + t.shape, scalars: values.map { 0.5 + $0 * scale })
        return try Image.images(from: normalized)[0]
    }

    /// The input [1, C, H, W] a map explains, saved as `name` in the run folder; the
    /// picture is returned for overlays.
    static func writeInput(_ input: Tensor, to folder: RunFolder, as name: String = "input.png") throws -> Image {
        let shown = try image(try input.reshaped(Array(input.shape.dropFirst())))
        try folder.write(Data(try shown.pngData()), to: name)
        return shown
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
