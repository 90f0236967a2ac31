import Foundation
import LoupeData
import LoupeNN
import LoupeTensor
import LoupeVis

/// The W6 workloads (issue #17): perturbation attribution and its faithfulness metric on
/// EfficientNet-Lite0 at 224 px, one photo (chelsea.png through the model's own
/// preprocessing), target its top-1 class, batch `AttributionSettings`'s default (8) on both
/// sides. The PyTorch twins must see the very same pixels, superpixels and map, so
/// `exportInputs` writes them (raw little-endian float32 / int32) for bench/pytorch_bench.py.
extension WorkloadBench {
    /// Layer of the Score-CAM workload: the last MBConv block (320 × 7×7), a module in
    /// PyTorch too (Loupe's default, `head`, is after a functional ReLU6 there).
    static let scoreCAMLayer = "blocks.15"

    /// The one image every W6 workload explains, its target and an attributor with the
    /// `loupe attribute` defaults (SLIC 50 segments, compactness 10, mean fill, batch 8).
    struct AttributionCase {
        let model: Model
        let image: Tensor
        let target: Int
        let context: Attributor
        let note: String

        init() throws {
            (model, note) = try efficientNet()
            let path = Assets.home.appendingPathComponent("photos/chelsea.png").path
            image = try model.input(from: try Image.load(path: path))
            target = try model.topK(image, k: 1)[0][0].index
            context = Attributor(model: model)
        }
    }

    static func attribution(_ name: String) throws -> Built {
        let task = try AttributionCase()
        var context = task.context
        switch name {
        case "W6_scorecam":
            context.settings.layer = scoreCAMLayer
            let body = { _ = try context.attribute(task.image, target: task.target, method: ScoreCAM()) }
            return Built(warmUp: { _ = try context.scores(task.image, target: task.target) }, run: body, images: 1,
                         note: task.note + "; layer \(scoreCAMLayer), batch \(context.settings.batchSize)")
        case "W6_lime", "W6_kernelshap":
            context.settings.samples = 1000
            let method: any AttributionMethod = name == "W6_lime" ? LIME() : KernelSHAP()
            let body = { _ = try context.attribute(task.image, target: task.target, method: method) }
            return Built(warmUp: { _ = try context.scores(task.image, target: task.target) }, run: body, images: 1,
                         note: task.note + "; 1000 samples, batch \(context.settings.batchSize)")
        case "W6_deletion":
            let map = try context.attribute(task.image, target: task.target, method: Saliency())
            let metrics = context.settings.metrics
            let substrate = try metrics.substrate.image(like: task.image)
            let body = {
                _ = try DeletionInsertion.curves(map, image: task.image, substrate: substrate, steps: metrics.steps,
                                                 target: task.target, context: context)
            }
            return Built(warmUp: { _ = try context.scores(task.image, target: task.target) }, run: body, images: 1,
                         note: task.note + "; saliency map, \(metrics.steps) steps, substrate \(metrics.substrate.description)")
        default:
            throw ModelError.invalid("unknown workload '\(name)'")
        }
    }

    /// Writes what the PyTorch twins of W6 read into `folder`: `inputs.json` (target, sizes,
    /// settings), `image.f32` [3, 224, 224], `segments.i32` [224, 224] (SLIC labels as
    /// LIME and KernelSHAP cut the image), `saliency.f32` [224, 224] (the map W6_deletion
    /// ranks pixels by) and `substrate.f32` [3, 224, 224] (what deletion fills with).
    public static func exportAttributionInputs(to folder: String) throws {
        let task = try AttributionCase()
        let settings = task.context.settings
        let (c, h, w) = (task.image.shape[1], task.image.shape[2], task.image.shape[3])
        let segmentation = try SLIC.segment(task.image.scalars, channels: c, height: h, width: w,
                                            segments: settings.segments, compactness: settings.compactness)
        let saliency = try task.context.attribute(task.image, target: task.target, method: Saliency())
        let substrate = try settings.metrics.substrate.image(like: task.image)
        let url = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        func write<T>(_ values: [T], _ file: String) throws {
            try values.withUnsafeBytes { Data($0) }.write(to: url.appendingPathComponent(file), options: .atomic)
        }
        try write(task.image.scalars, "image.f32")
        try write(segmentation.labels.map { Int32($0) }, "segments.i32")
        try write(saliency.values, "saliency.f32")
        try write(substrate.scalars, "substrate.f32")
        let meta: [String: Any] = [
            "target": task.target, "channels": c, "height": h, "width": w, "segments": segmentation.count,
            "batch_size": settings.batchSize, "samples": 1000, "steps": settings.metrics.steps,
            "segment_fill": settings.segmentFill.description, "substrate": settings.metrics.substrate.description,
            "scorecam_layer": scoreCAMLayer, "note": task.note,
        ]
        try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])
            .write(to: url.appendingPathComponent("inputs.json"), options: .atomic)
    }
}
