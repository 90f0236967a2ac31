import LoupeData
import LoupeTensor

/// One image cut into SLIC superpixels, the features LIME and KernelSHAP explain with: a
/// coalition shows some superpixels as they are and switches the others off to the fill.
struct Superpixels {
    let segmentation: Segmentation
    /// The pixel indices of each superpixel.
    let members: [[Int]]
    /// The fill image, C·H·W values like the image.
    let fill: [Float]
    let channels: Int

    var count: Int { segmentation.count }

    init(_ image: Tensor, settings: AttributionSettings) throws {
        let (c, h, w) = (image.shape[1], image.shape[2], image.shape[3])
        let values = image.scalars
        segmentation = try SLIC.segment(values, channels: c, height: h, width: w,
                                        segments: settings.segments, compactness: settings.compactness)
        members = segmentation.members
        channels = c
        switch settings.segmentFill {
        case let .baseline(b):
            fill = try b.image(like: image).scalars
        case .mean:
            var out = values
            for pixels in members {
                for ch in 0..<c {
                    let plane = ch * h * w
                    let mean = pixels.reduce(0.0) { $0 + Double(values[plane + $1]) } / Double(pixels.count)
                    for i in pixels { out[plane + i] = Float(mean) }
                }
            }
            fill = out
        }
    }

    /// The most samples × superpixels a fit may hold: its design matrix (and two working
    /// copies) are that many doubles.
    static let maximumDesign = 10_000_000

    /// Refuses a fit too large to hold before any forward pass is spent on it.
    func checkDesign(samples: Int, method: String) throws {
        let (size, overflow) = samples.multipliedReportingOverflow(by: count)
        guard !overflow, size <= Self.maximumDesign else {
            throw VisError.invalid("\(method): \(samples) samples × \(count) superpixels is above \(Self.maximumDesign); "
                                   + "take fewer --samples or --segments")
        }
    }

    /// The target's score with the superpixels of each coalition shown and the others
    /// filled; `coalition(s)` says which are shown in sample `s`.
    func scores(_ image: Tensor, samples: Int, target: Int, context: Attributor,
                coalition: (Int) -> [Bool]) throws -> [Float] {
        let plane = segmentation.width * segmentation.height
        return try context.perturbedScores(image, count: samples, target: target) { s, pixels in
            for (j, shown) in coalition(s).enumerated() where !shown {
                for ch in 0..<channels {
                    for i in members[j] { pixels[ch * plane + i] = fill[ch * plane + i] }
                }
            }
        }
    }

    /// The map that gives every pixel its superpixel's value.
    func map(_ values: [Double], method: some AttributionMethod, target: Int) -> AttributionMap {
        var map = AttributionMap(method: method.name, values: segmentation.labels.map { Float(values[$0]) },
                                 width: segmentation.width, height: segmentation.height, signed: method.signed, target: target)
        map.segmentation = segmentation
        map.figures["segments"] = Double(count)
        return map
    }
}
