import LoupeTensor

/// A network with its preset. Its input is pixels in [0, 1], NCHW; the preset's
/// normalization is the first step of the forward pass, so attacks and
/// visualizations never deal with normalized space.
public final class Model {
    public let name: String
    public let network: Module
    public let preset: Preset
    private var cachedLayers: [(name: String, shape: [Int])]?
    private var cachedFixedInputSize: Bool?

    public init(name: String, network: Module, preset: Preset) {
        (self.name, self.network, self.preset) = (name, network, preset)
    }

    /// The result of one forward pass.
    public struct Pass {
        /// The logits, or nil when the pass stopped early at `stopAfter`.
        public let output: Tensor?
        public let taps: [(name: String, value: Tensor)]

        public subscript(_ name: String) -> Tensor? { taps.first { $0.name == name }?.value }
    }

    /// Runs the model on `pixels` ([N, C, H, W] in [0, 1]), recording the named layers.
    /// `recording: nil` records every layer. Gradients flow to `pixels` when it requires them.
    /// `editing` changes one layer's output before the layers above it see it.
    public func forward(
        _ pixels: Tensor, recording: Set<String> = [], recordAll: Bool = false, stopAfter: String? = nil,
        editing: LayerEdit? = nil, training: Bool = false, stream: RandomStream = RandomStream(seed: 0)
    ) throws -> Pass {
        guard pixels.rank == 4, pixels.shape[1] == preset.channels else {
            throw TensorError.invalidArgument(
                op: name, "expects input [N, \(preset.channels), H, W], got \(pixels.shape)")
        }
        let stop = try stopAfter.map { try resolveLayer($0) }
        let wanted = recordAll ? nil : Set(try recording.map { try resolveLayer($0) })
        let edit = try editing.map { e in LayerEdit(layer: try resolveLayer(e.layer), e.transform) }
        let ctx = ForwardContext(training: training, stream: stream, recording: wanted, stopAfter: stop, editing: edit)
        do {
            let output = try network.forward(try normalize(pixels), ctx)
            return Pass(output: output, taps: ctx.taps)
        } catch is StopForward {
            return Pass(output: nil, taps: ctx.taps)
        }
    }

    /// Logits for `pixels` without recording anything on the tape.
    public func logits(_ pixels: Tensor) throws -> Tensor {
        try Autograd.noGrad {
            guard let out = try forward(pixels).output else { throw ModelError.invalid("\(name) produced no output") }
            return out
        }
    }

    func normalize(_ pixels: Tensor) throws -> Tensor {
        let c = preset.channels
        if preset.mean.allSatisfy({ $0 == 0 }) && preset.std.allSatisfy({ $0 == 1 }) { return pixels }
        let mean = try Tensor(shape: [1, c, 1, 1], scalars: preset.mean)
        let invStd = try Tensor(shape: [1, c, 1, 1], scalars: preset.std.map { 1 / $0 })
        return try (pixels - mean) * invStd
    }

    /// Every tap in forward order with its output shape for one input at the preset size.
    public func layers() throws -> [(name: String, shape: [Int])] {
        if let cachedLayers { return cachedLayers }
        let probe = try Tensor.zeros([1, preset.channels, preset.inputSize, preset.inputSize])
        let pass = try Autograd.noGrad { try forward(probe, recordAll: true) }
        let result = pass.taps.map { ($0.name, $0.value.shape) }
        cachedLayers = result
        return result
    }

    /// True when the network only accepts its preset input size (a flatten feeding a
    /// linear layer, as in VGG or fashion-cnn), so other sizes must be resized first.
    /// Found by trying a larger input once: the modules do not declare it.
    public func needsFixedInputSize() throws -> Bool {
        if let cachedFixedInputSize { return cachedFixedInputSize }
        let s = preset.inputSize + 8
        let probe = try Tensor.zeros([1, preset.channels, s, s])
        let fixed = (try? Autograd.noGrad { try forward(probe) }) == nil
        cachedFixedInputSize = fixed
        return fixed
    }

    /// The canonical tap name for `name`, accepting checkpoint-style spellings with a
    /// leading underscore (`_blocks.8`); unknown names fail with the nearest valid ones.
    public func resolveLayer(_ name: String) throws -> String {
        let known = try layers().map(\.name)
        if known.contains(name) { return name }
        let plain = name.split(separator: ".").map { $0.hasPrefix("_") ? String($0.dropFirst()) : String($0) }
            .joined(separator: ".")
        if known.contains(plain) { return plain }
        throw ModelError.unknownLayer(name, suggestions: Suggest.nearest(name, in: known))
    }
}
