import LoupeNN
import LoupeTensor

/// One pass over a data set that keeps several layers' feature vectors: the collection
/// embed, probe and concept share. Batches never change the vectors (no batch statistics
/// in inference), so `batchSize` is only a memory/speed trade.
enum LayerActivations {
    /// The most values one layer may hold over the data (4 GiB of Float).
    static let maximumValues = 1 << 30

    /// Every layer's feature matrix over `data`, in `layers`' order. `each` sees every
    /// batch's input and forward pass (for thumbnails or predicted labels); the pass stops
    /// after the deepest layer unless `needsLogits`.
    static func collect(model: Model, data: ActivationData, layers: [String], features: FeatureVectors, batchSize: Int,
                        needsLogits: Bool = false, each: (_ images: Tensor, _ pass: Model.Pass) throws -> Void = { _, _ in },
                        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [FeatureMatrix] {
        let n = data.count
        guard n >= 1 else { throw VisError.invalid("\(data.name) holds no images") }
        let order = try model.layers().map(\.name)
        let deepest = needsLogits ? nil : layers.max { (order.firstIndex(of: $0) ?? 0) < (order.firstIndex(of: $1) ?? 0) }
        var out = layers.map { FeatureMatrix(layer: $0, values: [], count: 0, dimensions: 0, kind: "") }
        var start = 0
        while start < n {
            let indices = Array(start..<Swift.min(start + Swift.max(batchSize, 1), n))
            let images = try data.load(indices)
            let pass = try Autograd.noGrad { try model.forward(images, recording: Set(layers), stopAfter: deepest) }
            for (i, layer) in layers.enumerated() {
                guard let a = pass[layer] else { throw VisError.invalid("layer \(layer) was not recorded") }
                let (rows, kind) = try FeatureMatrix.rows(a, features: features)
                if out[i].dimensions == 0 {
                    let dimensions = rows.count / indices.count
                    let (total, overflow) = n.multipliedReportingOverflow(by: dimensions)
                    guard !overflow, total <= maximumValues else {
                        throw VisError.invalid("\(n) images × \(dimensions) features of \(layer) are too many: use --features mean or a smaller --limit")
                    }
                    (out[i].dimensions, out[i].kind) = (dimensions, kind)
                    out[i].values.reserveCapacity(total)
                }
                out[i].values += rows
                out[i].count += indices.count
            }
            try each(images, pass)
            start += indices.count
            progress(start, n)
        }
        return out
    }
}
