import LoupeTensor

/// EfficientNet-Lite (Tan & Le; the "Lite" variant for mobile accelerators): MBConv
/// blocks with ReLU6 and no squeeze-excite, TensorFlow "SAME" padding, BN eps 1e-3.
/// Parameter names follow the lukemelas-style PyTorch checkpoints (`_blocks.N._bn0`);
/// taps are named without underscores: `stem`, `blocks.0` … `blocks.15`, `head`, `pool`, `fc`.
public final class EfficientNetLite: Module {
    /// One stage: (repeats, kernel, stride of first block, expand ratio, in, out).
    public struct Stage: Sendable {
        let repeats, kernel, stride, expand, input, output: Int
    }

    /// Lite0's stages; Lite1–4 scale depth and input size but keep stem 32 and head 1280.
    public static let lite0: [Stage] = [
        Stage(repeats: 1, kernel: 3, stride: 1, expand: 1, input: 32, output: 16),
        Stage(repeats: 2, kernel: 3, stride: 2, expand: 6, input: 16, output: 24),
        Stage(repeats: 2, kernel: 5, stride: 2, expand: 6, input: 24, output: 40),
        Stage(repeats: 3, kernel: 3, stride: 2, expand: 6, input: 40, output: 80),
        Stage(repeats: 3, kernel: 5, stride: 1, expand: 6, input: 80, output: 112),
        Stage(repeats: 4, kernel: 5, stride: 2, expand: 6, input: 112, output: 192),
        Stage(repeats: 1, kernel: 3, stride: 1, expand: 6, input: 192, output: 320),
    ]

    static let bnEps: Float = 1e-3
    let stem: Conv2d, stemBN: BatchNorm2d
    let blocks: [MBConvBlock]
    let head: Conv2d, headBN: BatchNorm2d
    let fc: Linear

    public init(stages: [Stage] = lite0, classes: Int = 1000) throws {
        stem = try Conv2d(3, 32, kernel: 3, stride: 2, padding: .same, bias: false)
        stemBN = try BatchNorm2d(32, eps: Self.bnEps)
        var blocks: [MBConvBlock] = []
        for stage in stages {
            for r in 0..<stage.repeats {
                blocks.append(try MBConvBlock(
                    input: r == 0 ? stage.input : stage.output, output: stage.output, kernel: stage.kernel,
                    stride: r == 0 ? stage.stride : 1, expand: stage.expand))
            }
        }
        self.blocks = blocks
        let last = stages.last?.output ?? 32
        head = try Conv2d(last, 1280, kernel: 1, padding: .same, bias: false)
        headBN = try BatchNorm2d(1280, eps: Self.bnEps)
        fc = try Linear(1280, classes)
        super.init()
        add(stem, as: "_conv_stem")
        add(stemBN, as: "_bn0")
        let container = add(Module(), as: "_blocks")
        for (i, b) in blocks.enumerated() { container.add(b, as: String(i)) }
        add(head, as: "_conv_head")
        add(headBN, as: "_bn1")
        add(fc, as: "_fc")
    }

    /// The taps, in order: `stem`, `blocks.0` … `blocks.15`, `head`, `pool`, `fc`. A block's
    /// skip connection sees less than its main path, whose children are a chain.
    public override var tapChain: TapChain? {
        let (stem, stemBN, head, headBN) = (self.stem, self.stemBN, self.head, self.headBN)
        return TapChain(
            [TapChain.Link("stem", stem) { try stem.forward($0, $1, normalizedBy: stemBN, activation: .relu6) }]
                + blocks.enumerated().map { TapChain.Link("blocks.\($0.offset)", $0.element) }
                + [TapChain.Link("head", head) { try head.forward($0, $1, normalizedBy: headBN, activation: .relu6) },
                   .global("pool") { x, _ in try x.globalAvgPool2d() },
                   TapChain.Link("fc", fc)])
    }
}

/// Mobile inverted bottleneck: expand 1×1 → depthwise k×k → project 1×1, with an
/// identity skip when the block keeps both resolution and width.
final class MBConvBlock: Module {
    let expandConv: Conv2d?, bn0: BatchNorm2d?
    let depthwise: Conv2d, bn1: BatchNorm2d
    let project: Conv2d, bn2: BatchNorm2d
    let skip: Bool

    init(input: Int, output: Int, kernel: Int, stride: Int, expand: Int) throws {
        let hidden = input * expand
        let eps = EfficientNetLite.bnEps
        if expand != 1 {
            expandConv = try Conv2d(input, hidden, kernel: 1, padding: .same, bias: false)
            bn0 = try BatchNorm2d(hidden, eps: eps)
        } else {
            (expandConv, bn0) = (nil, nil)
        }
        depthwise = try Conv2d(hidden, hidden, kernel: kernel, stride: stride, padding: .same, groups: hidden, bias: false)
        bn1 = try BatchNorm2d(hidden, eps: eps)
        project = try Conv2d(hidden, output, kernel: 1, padding: .same, bias: false)
        bn2 = try BatchNorm2d(output, eps: eps)
        skip = stride == 1 && input == output
        super.init()
        if let expandConv, let bn0 {
            add(expandConv, as: "_expand_conv")
            add(bn0, as: "_bn0")
        }
        add(depthwise, as: "_depthwise_conv")
        add(bn1, as: "_bn1")
        add(project, as: "_project_conv")
        add(bn2, as: "_bn2")
    }

    override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        var y = x
        if let expandConv, let bn0 { y = try expandConv.forward(y, ctx, normalizedBy: bn0, activation: .relu6) }
        y = try depthwise.forward(y, ctx, normalizedBy: bn1, activation: .relu6)
        y = try project.forward(y, ctx, normalizedBy: bn2)
        return skip ? try y + x : y
    }
}
