import Foundation

/// What `loupe probe` computes: linear probes on which layers, trained on how many images,
/// judged on how many held-out ones, against which baselines.
public struct ProbeSettings: Codable, Sendable, Equatable {
    /// Comma-separated layer names, or `all` for every tap.
    public var layers = "all"
    /// fashion-mnist, a folder of IDX files or an image folder; its train split trains the
    /// probes and its test split judges them (a set without splits is split 4:1 by index).
    public var data = "fashion-mnist"
    public var features = FeatureVectors.auto
    /// Held-out images.
    public var limit: Int? = 2000
    /// Training images.
    public var trainLimit: Int? = 5000
    /// λ of the penalty (λ/2)‖W‖² on standardized features.
    public var l2 = 1e-3
    /// L-BFGS stops when the gradient's largest component is below this.
    public var tolerance = 1e-4
    public var maxIterations = 500
    /// Keys the control labels and the random network's weights.
    public var seed: UInt64 = 0
    /// Train the control-task probes (Hewitt & Liang).
    public var control = true
    /// Probe the same layers of the architecture with random weights.
    public var randomNetwork = true
    public var batchSize = 256

    public init() {}

    public func validate() throws {
        if layers.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains(where: \.isEmpty) {
            throw VisError.invalid("--layers takes `all` or names separated by commas (see `loupe layers MODEL`)")
        }
        if data.isEmpty { throw VisError.invalid("give a --data") }
        if data.lowercased() == "photos" { throw VisError.invalid("a probe needs labelled data: photos carry no labels (give fashion-mnist or an image folder)") }
        if let limit, limit < 2 { throw VisError.invalid("--limit must be at least 2") }
        if let trainLimit, trainLimit < 2 { throw VisError.invalid("--train-limit must be at least 2") }
        if !(l2 >= 0 && l2 <= 1e6) { throw VisError.invalid("--l2 must be between 0 and 1e6") }
        if !(tolerance > 0 && tolerance < 1) { throw VisError.invalid("--tolerance must be in (0, 1)") }
        if maxIterations < 1 || maxIterations > 100_000 { throw VisError.invalid("--max-iterations must be between 1 and 100000") }
        if batchSize < 1 { throw VisError.invalid("--batch-size must be at least 1") }
    }

    /// The model a run uses when none is named.
    public var defaultModel: String { data.lowercased().hasPrefix("fashion") ? "fashion-cnn" : "efficientnet-lite0" }
}
