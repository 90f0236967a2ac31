import LoupeTensor

/// ResNet-18 with torchvision's names (`layer3.1.conv2`, `downsample.0`), so its
/// state dicts load unchanged.
public final class ResNet: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, maxpool: MaxPool2d
    let stages: [[BasicBlock]]
    let fc: Linear

    public static func resnet18(classes: Int = 1000, seed: UInt64 = 0) throws -> ResNet {
        try ResNet(blocksPerStage: [2, 2, 2, 2], classes: classes, seed: seed)
    }

    init(blocksPerStage: [Int], classes: Int, seed: UInt64) throws {
        conv1 = try Conv2d(3, 64, kernel: 7, stride: 2, padding: .fixed(3), bias: false,
                           initStream: RandomStream(seed: seed, key: [0]))
        bn1 = try BatchNorm2d(64)
        maxpool = MaxPool2d(kernel: 3, stride: 2, padding: 1)
        var stages: [[BasicBlock]] = []
        var channels = 64
        for (s, count) in blocksPerStage.enumerated() {
            let width = 64 << s
            stages.append(try (0..<count).map { b in
                defer { channels = width }
                return try BasicBlock(channels, width, stride: b == 0 && s > 0 ? 2 : 1,
                                      seed: RandomStream(seed: seed, key: [UInt64(s + 1), UInt64(b)]))
            })
        }
        self.stages = stages
        fc = try Linear(channels, classes, initStream: RandomStream(seed: seed, key: [9]))
        super.init()
        add(conv1, as: "conv1")
        add(bn1, as: "bn1")
        for (s, blocks) in stages.enumerated() {
            let layer = add(Module(), as: "layer\(s + 1)")
            for (b, block) in blocks.enumerated() { layer.add(block, as: String(b)) }
        }
        add(fc, as: "fc")
    }

    /// The taps, in order; after the global pool units see the whole image.
    public override var tapChain: TapChain? {
        let bn1 = self.bn1
        var links = [TapChain.Link("conv1", conv1),
                     .pointwise("relu") { x, ctx in try bn1.forward(x, ctx).relu() },
                     TapChain.Link("maxpool", maxpool)]
        for (s, blocks) in stages.enumerated() {
            links += blocks.enumerated().map { TapChain.Link("layer\(s + 1).\($0.offset)", $0.element) }
        }
        return TapChain(links + [.global("avgpool") { x, _ in try x.globalAvgPool2d() }, TapChain.Link("fc", fc)])
    }
}

final class BasicBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let downsample: (Conv2d, BatchNorm2d)?

    init(_ input: Int, _ output: Int, stride: Int, seed: RandomStream) throws {
        conv1 = try Conv2d(input, output, kernel: 3, stride: stride, padding: .fixed(1), bias: false, initStream: seed.derived(1))
        bn1 = try BatchNorm2d(output)
        conv2 = try Conv2d(output, output, kernel: 3, padding: .fixed(1), bias: false, initStream: seed.derived(2))
        bn2 = try BatchNorm2d(output)
        downsample = stride != 1 || input != output
            ? (try Conv2d(input, output, kernel: 1, stride: stride, bias: false, initStream: seed.derived(3)),
               try BatchNorm2d(output))
            : nil
        super.init()
        add(conv1, as: "conv1")
        add(bn1, as: "bn1")
        add(conv2, as: "conv2")
        add(bn2, as: "bn2")
        if let (conv, bn) = downsample {
            let seq = add(Module(), as: "downsample")
            seq.add(conv, as: "0")
            seq.add(bn, as: "1")
        }
    }

    /// The main path; the shortcut (at most a strided 1×1 conv) sees less.
    override func receptiveField(
        _ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? {
        try conv1.receptiveField(field, path: path, taps: &taps).flatMap { try conv2.receptiveField($0, path: path, taps: &taps) }
    }

    override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        var y = try bn1.forward(try conv1.forward(x, ctx), ctx).relu()
        y = try bn2.forward(try conv2.forward(y, ctx), ctx)
        let identity = try downsample.map { try $0.1.forward(try $0.0.forward(x, ctx), ctx) } ?? x
        return try (y + identity).relu()
    }
}
