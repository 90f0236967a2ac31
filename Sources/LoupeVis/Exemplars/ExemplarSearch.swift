import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// One of a unit's top images with its DeconvNet reconstruction.
public struct Exemplar {
    public let index: Int
    public let caption: String
    /// The unit's strongest activation in this image and where it is in the layer's map.
    public let activation: Float
    public let unit: (x: Int, y: Int)?
    /// The image and its reconstruction, [C, H, W].
    public let image: Tensor
    public let reconstruction: Tensor
    /// The unit's receptive field (nil when the layer has no spatial map).
    public let receptiveField: ReceptiveField?
    /// The square the figure crops to: the unit's receptive field centered on the unit,
    /// clamped into the image; without one, where the reconstruction is non-negligible.
    public let crop: (x: Int, y: Int, side: Int)
}

/// Zeiler & Fergus's top-k figure: scan a data set for the images that drive one
/// channel hardest (its strongest unit per image) and reconstruct each activation.
public struct ExemplarSearch {
    public let model: Model
    public init(model: Model) { self.model = model }

    /// The `k` images of `source` with the highest peak activation of `channel` at
    /// `layer` (ties: lower index first), each with its reconstruction under `rule`.
    public func run(
        layer: String, channel: Int, source: ExemplarSource, k: Int = 9, limit: Int? = nil,
        rule: ReLURule = .deconvnet, batchSize: Int = 64,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws -> [Exemplar] {
        guard k >= 1 else { throw VisError.invalid("k must be at least 1") }
        let name = try model.resolveLayer(layer)
        let total = Swift.min(source.count, limit ?? source.count)
        guard total > 0 else { throw VisError.invalid("\(source.name) holds no images") }
        var best: [(index: Int, value: Float)] = []
        var start = 0
        while start < total {
            let indices = Array(start..<Swift.min(start + batchSize, total))
            let batch = try source.load(indices)
            let a = try Autograd.noGrad { try model.forward(batch, recording: [name], stopAfter: name) }[name]
            guard let a else { throw VisError.invalid("layer \(name) was not recorded") }
            guard channel >= 0, channel < a.shape[1] else {
                throw VisError.invalid("channel \(channel) is outside 0..<\(a.shape[1]) of layer \(name)")
            }
            let plane = a.rank == 4 ? a.shape[2] * a.shape[3] : 1
            let values = a.scalars
            for (b, i) in indices.enumerated() {
                let base = (b * a.shape[1] + channel) * plane
                best.append((i, values[base..<(base + plane)].max() ?? -.infinity))
            }
            best.sort { $0.value > $1.value || ($0.value == $1.value && $0.index < $1.index) }
            if best.count > k { best.removeLast(best.count - k) }
            start += indices.count
            progress(start, total)
        }
        // One forward and one backward for all k: each image's seed sits in its own item.
        let images = try source.load(best.map(\.index))
        let pass = try Deconv(model: model).forward(images, layer: name)
        let recon = try pass.reconstruct(best.indices.map { ($0, channel) }, keep: .unit, rule: rule)
        let (h, w) = (images.shape[2], images.shape[3])
        let field = try model.receptiveField(at: name, height: h, width: w)
        return try best.indices.map { i in
            let image = try images.narrowed(axis: 0, start: i, length: 1).reshaped(Array(images.shape.dropFirst()))
            return Exemplar(index: best[i].index, caption: source.caption(best[i].index), activation: recon[i].activation,
                            unit: recon[i].unit, image: image, reconstruction: recon[i].pixels, receptiveField: field,
                            crop: Self.crop(recon[i], field: field, width: w, height: h))
        }
    }

    /// The unit's receptive field around it when the layer has one, else the footprint.
    public static func crop(_ r: Reconstruction, field: ReceptiveField?, width: Int, height: Int) -> (x: Int, y: Int, side: Int) {
        guard let field, let unit = r.unit else { return footprint(r.pixels) }
        return field.crop(unitX: unit.x, unitY: unit.y, width: width, height: height)
    }

    /// The smallest square (clamped to the image) holding every pixel whose
    /// reconstruction magnitude exceeds 1% of its maximum: the part of the unit's
    /// receptive field the reconstruction actually reaches.
    public static func footprint(_ reconstruction: Tensor, threshold: Float = 0.01) -> (x: Int, y: Int, side: Int) {
        let (c, h, w) = (reconstruction.shape[0], reconstruction.shape[1], reconstruction.shape[2])
        let v = reconstruction.scalars
        var magnitude = [Float](repeating: 0, count: h * w)
        for ch in 0..<c { for i in 0..<(h * w) { magnitude[i] = Swift.max(magnitude[i], Swift.abs(v[ch * h * w + i])) } }
        let peak = magnitude.max() ?? 0
        guard peak > 0 else { return (0, 0, Swift.min(h, w)) }
        var (x0, y0, x1, y1) = (w, h, -1, -1)
        for y in 0..<h {
            for x in 0..<w where magnitude[y * w + x] > threshold * peak {
                (x0, y0, x1, y1) = (Swift.min(x0, x), Swift.min(y0, y), Swift.max(x1, x), Swift.max(y1, y))
            }
        }
        let side = Swift.min(Swift.max(x1 - x0 + 1, y1 - y0 + 1), Swift.min(h, w))
        let cx = (x0 + x1 + 1) / 2, cy = (y0 + y1 + 1) / 2
        let x = Swift.min(Swift.max(cx - side / 2, 0), w - side), y = Swift.min(Swift.max(cy - side / 2, 0), h - side)
        return (x, y, side)
    }
}
