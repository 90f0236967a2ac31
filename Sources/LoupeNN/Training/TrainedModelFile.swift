import Foundation
import LoupeTensor

/// A model trained by Loupe: `NAME.safetensors` holds the weights (PyTorch state-dict
/// names, so PyTorch can read them too), `NAME.json` beside it says what they are
/// (architecture, preset, epochs, accuracy, seed) and `NAME.optim.safetensors` holds
/// the optimizer state that `--resume` needs.
public struct TrainedModelFile: Codable {
    public var architecture: String?
    /// The sequential YAML spec, for models defined by one.
    public var spec: String?
    public var labels: [String]
    public var inputSize: Int
    public var channels: Int
    public var epochs: Int
    public var optimizer: String
    public var learningRate: Float
    public var batchSize: Int
    public var seed: UInt64
    public var adversarial: String?
    public var accuracy: Double?
    public var history: [Trainer.EpochResult]

    public static func sidecarPath(_ weights: String) -> String {
        (weights as NSString).deletingPathExtension + ".json"
    }

    public static func optimizerPath(_ weights: String) -> String {
        (weights as NSString).deletingPathExtension + ".optim.safetensors"
    }

    /// Writes weights, optimizer state and sidecar; each file atomically (temp + rename),
    /// so an interrupted save never leaves a checkpoint that does not load.
    public func save(model: Model, optimizerState: [String: Tensor], to path: String) throws {
        let weights = try model.network.exportState()
        try Self.atomically(path) { try saveSafeTensors(weights, path: $0, metadata: ["format": "pt"]) }
        let opt = try StateDict(optimizerState.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        try Self.atomically(Self.optimizerPath(path)) { try saveSafeTensors(opt, path: $0) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        try Self.atomically(Self.sidecarPath(path)) { try data.write(to: URL(fileURLWithPath: $0)) }
    }

    static func atomically(_ path: String, _ write: (String) throws -> Void) throws {
        let temp = path + ".partial"
        try write(temp)
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temp, toPath: path)
    }

    public static func readSidecar(for path: String) throws -> TrainedModelFile {
        let sidecar = sidecarPath(path)
        guard let data = FileManager.default.contents(atPath: sidecar) else {
            throw ModelError.invalid("\(path): no sidecar \(sidecar) saying which architecture these weights are for; use --arch or --spec with --weights")
        }
        do {
            return try JSONDecoder().decode(TrainedModelFile.self, from: data)
        } catch {
            throw ModelError.invalid("\(sidecar): not a Loupe checkpoint description (\(error))")
        }
    }

    /// The model a Loupe checkpoint describes, with its weights loaded.
    public static func load(path: String) throws -> Model {
        let info = try readSidecar(for: path)
        let model: Model
        if let spec = info.spec {
            model = try SequentialSpec.parse(spec, file: sidecarPath(path)).build()
        } else if let arch = info.architecture {
            model = try Zoo.architecture(arch)
        } else {
            throw ModelError.invalid("\(sidecarPath(path)): names neither an architecture nor a spec")
        }
        try model.network.load(try loadCheckpoint(path: path))
        return model
    }

    public static func loadOptimizerState(for path: String) throws -> [String: Tensor] {
        let optPath = optimizerPath(path)
        guard FileManager.default.fileExists(atPath: optPath) else { return [:] }
        return try loadCheckpoint(path: optPath).tensors
    }
}
