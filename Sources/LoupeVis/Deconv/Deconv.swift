import LoupeNN
import LoupeTensor

/// What part of a channel's activation a reconstruction keeps.
public enum DeconvKeep: String, Codable, CaseIterable, Sendable {
    /// The channel's single strongest unit (Zeiler & Fergus's figures).
    case unit
    /// The channel's whole map.
    case map
}

/// One activation mapped back to pixel space.
public struct Reconstruction {
    /// Batch item the activation came from.
    public let item: Int
    public let channel: Int
    /// Position of the kept unit in the layer's map (nil when the whole map was kept or
    /// the layer has no spatial axes).
    public let unit: (x: Int, y: Int)?
    /// The kept unit's activation, or the largest activation of the kept map.
    public let activation: Float
    /// The reconstruction in input space, [C, H, W] (the input's gradient under the rule).
    public let pixels: Tensor
}

/// DeconvNet (Zeiler & Fergus 2014), guided backpropagation and plain gradients of one
/// activation, through one engine: forward the image and stop after the layer; keep the
/// chosen activation and zero every other one in that layer; run the backward pass with
/// the chosen ReLU rule. Max-pool backward routes through the recorded switches and
/// conv backward is the transposed convolution with the same filters, so with the
/// `.deconvnet` rule this is exactly Zeiler & Fergus's deconvnet.
///
/// ReLU6 (EfficientNet-Lite) follows the same rules with its own forward slope:
/// `.gradient` and `.guided` pass where 0 < x < 6, `.deconvnet` ignores the forward
/// value entirely (both the floor and the cap) and keeps only positive signals.
public struct Deconv {
    public let model: Model
    public init(model: Model) { self.model = model }

    /// One forward pass to `layer`, from which reconstructions of any of its activations
    /// can be taken, each costing one backward pass.
    public final class Pass {
        public let layer: String
        /// The layer's activation, detached: [N, C, H, W] or [N, C].
        public let activation: Tensor
        let input: Tensor
        let tap: Tensor

        init(layer: String, input: Tensor, tap: Tensor) {
            (self.layer, self.input, self.tap) = (layer, input, tap)
            activation = tap.detached
        }

        public var channels: Int { activation.shape[1] }

        /// Channels of batch item `item` ranked by their strongest activation, best first
        /// (ties by channel number).
        public func strongestChannels(item: Int = 0, k: Int) throws -> [Int] {
            try checkItem(item)
            let peaks = (0..<channels).map { peak(item: item, channel: $0).value }
            let order = peaks.indices.sorted { peaks[$0] > peaks[$1] || (peaks[$0] == peaks[$1] && $0 < $1) }
            return Array(order.prefix(max(k, 0)))
        }

        /// The strongest unit of `channel` in `item`: its value and position (first in
        /// row-major order on ties).
        public func peak(item: Int, channel: Int) -> (value: Float, x: Int, y: Int) {
            let (h, w) = spatial
            return activation.withScalars { a in
                let base = (item * channels + channel) * h * w
                var best = a[base], at = 0
                for i in 1..<Swift.max(h * w, 1) where a[base + i] > best {
                    best = a[base + i]
                    at = i
                }
                return (best, at % w, at / w)
            }
        }

        var spatial: (Int, Int) { activation.rank == 4 ? (activation.shape[2], activation.shape[3]) : (1, 1) }

        func checkItem(_ item: Int) throws {
            guard item >= 0, item < activation.shape[0] else {
                throw VisError.invalid("batch item \(item) is outside 0..<\(activation.shape[0])")
            }
        }

        func checkChannel(_ c: Int) throws {
            guard c >= 0, c < channels else {
                throw VisError.invalid("channel \(c) is outside 0..<\(channels) of layer \(layer)")
            }
        }

        /// Reconstructs, for every (item, channel) pair, the chosen activation with one
        /// backward pass: the pairs' seeds go into one seed tensor, so pairs must name
        /// different items. Returns one reconstruction per pair, in order.
        public func reconstruct(_ pairs: [(item: Int, channel: Int)], keep: DeconvKeep, rule: ReLURule) throws -> [Reconstruction] {
            guard Set(pairs.map(\.item)).count == pairs.count else {
                throw VisError.invalid("reconstruct: one backward pass can hold one channel per batch item")
            }
            let (h, w) = spatial
            var seed = Tensor.zeros(like: activation)
            var kept: [(unit: (x: Int, y: Int)?, value: Float)] = []
            try seed.withMutableScalars { s in
                try activation.withScalars { a in
                    for (item, channel) in pairs {
                        try checkItem(item)
                        try checkChannel(channel)
                        let base = (item * channels + channel) * h * w
                        let p = peak(item: item, channel: channel)
                        switch keep {
                        case .unit:
                            let i = base + p.y * w + p.x
                            s[i] = a[i]
                            kept.append((activation.rank == 4 ? (p.x, p.y) : nil, p.value))
                        case .map:
                            for i in base..<(base + h * w) { s[i] = a[i] }
                            kept.append((nil, p.value))
                        }
                    }
                }
            }
            input.zeroGrad()
            try tap.backward(seed: seed, rule: rule, retainGraph: true)
            guard let grad = input.grad else {
                throw VisError.invalid("layer \(layer) does not depend on the input")
            }
            input.zeroGrad()
            return try pairs.enumerated().map { k, pair in
                Reconstruction(item: pair.item, channel: pair.channel, unit: kept[k].unit, activation: kept[k].value,
                               pixels: try grad.narrowed(axis: 0, start: pair.item, length: 1)
                                   .reshaped(Array(grad.shape.dropFirst())))
            }
        }
    }

    /// Forwards `pixels` ([N, C, H, W] in [0, 1]) to `layer` and keeps what the
    /// reconstructions need.
    public func forward(_ pixels: Tensor, layer: String) throws -> Pass {
        let name = try model.resolveLayer(layer)
        let input = pixels.requiringGrad()
        let pass = try model.forward(input, recording: [name], stopAfter: name)
        guard let tap = pass[name] else { throw VisError.invalid("layer \(name) was not recorded") }
        guard tap.rank == 4 || tap.rank == 2 else {
            throw VisError.invalid("layer \(name) has output shape \(tap.shape); reconstructions need [N, C, H, W] or [N, C]")
        }
        return Pass(layer: name, input: input, tap: tap)
    }

    /// Reconstructions of `channels` of one image (each its own backward pass), or of
    /// its `topChannels` strongest channels when `channels` is nil.
    public func reconstruct(
        _ image: Tensor, layer: String, channels: [Int]? = nil, topChannels: Int = 1,
        keep: DeconvKeep = .unit, rule: ReLURule = .deconvnet
    ) throws -> [Reconstruction] {
        guard image.rank == 4, image.shape[0] == 1 else {
            throw VisError.invalid("reconstruct expects one image [1, C, H, W], got \(image.shape)")
        }
        let pass = try forward(image, layer: layer)
        let chosen = try channels ?? pass.strongestChannels(k: topChannels)
        return try chosen.flatMap { try pass.reconstruct([(0, $0)], keep: keep, rule: rule) }
    }
}
