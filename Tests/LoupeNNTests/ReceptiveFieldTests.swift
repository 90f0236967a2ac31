import LoupeNN
import LoupeTensor
import LoupeTesting
import XCTest

/// Receptive fields by hand (each line: size r, jump j, start c of unit 0's center), and
/// against the support of an input gradient on a network where every path is linear.
final class ReceptiveFieldTests: XCTestCase {
    /// Building VGG16 draws 138M random weights: one model per architecture per run.
    static var built: [String: Model] = [:]

    func field(_ name: String, _ layer: String, size: Int = 224) throws -> ReceptiveField? {
        let model = try Self.built[name] ?? Zoo.architecture(name)
        Self.built[name] = model
        return try model.receptiveField(at: layer, height: size, width: size)
    }

    func testVGG16() throws {
        // conv 3×3 pad 1: r += 2j, c unchanged; pool 2×2 stride 2: r += j, c += j/2, j *= 2.
        // conv1_1..2: 3, 5; pool1: 6 (j 2, c 0.5); conv2_x: 10, 14; pool2: 16 (j 4, c 1.5);
        // conv3_x: 24, 32, 40; pool3: 44 (j 8, c 3.5); conv4_x: 60, 76, 92; pool4: 100
        // (j 16, c 7.5); conv5_x: 132, 164, 196; pool5: 212 (j 32, c 15.5).
        let pool1 = try XCTUnwrap(try field("vgg16", "features.4"))
        XCTAssertEqual([pool1.x.size, pool1.x.jump, pool1.x.length], [6, 2, 112])
        XCTAssertEqual(pool1.x.start, 0.5)
        let conv53 = try XCTUnwrap(try field("vgg16", "features.28"))
        XCTAssertEqual([conv53.x.size, conv53.x.jump, conv53.y.size, conv53.x.length], [196, 16, 196, 14])
        XCTAssertEqual(conv53.x.start, 7.5)
        let pool5 = try XCTUnwrap(try field("vgg16", "features.30"))
        XCTAssertEqual([pool5.x.size, pool5.x.jump], [212, 32])
        XCTAssertEqual(pool5.x.start, 15.5)
        // After the adaptive pool (the identity at 7×7) comes the classifier: no spatial map.
        XCTAssertNotNil(try field("vgg16", "avgpool"))
        XCTAssertNil(try field("vgg16", "classifier.0"))
    }

    func testAlexNet() throws {
        // conv1 11×11 s4 p2: r 11, j 4, c 5 − 2 = 3; pool 3 s2: r 19, j 8, c 3 + 4 = 7;
        // conv2 5×5 p2: r 51; pool: r 67, j 16, c 15; conv3..5 3×3 p1: r 99, 131, 163.
        let conv5 = try XCTUnwrap(try field("alexnet", "features.10"))
        XCTAssertEqual([conv5.x.size, conv5.x.jump, conv5.x.length], [163, 16, 13])
        XCTAssertEqual(conv5.x.start, 15)
    }

    func testResNet18() throws {
        // conv1 7×7 s2 p3: r 7, j 2, c 0; maxpool 3 s2 p1: r 11, j 4, c 0; layer1: 4 convs →
        // 43; layer2.0: strided conv (r 51, j 8) + conv → 67; layer2.1 → 99; layer3: 115, 147,
        // 211 (j 16); layer4: 243, 307, 371, 435 (j 32). The shortcuts do not widen it.
        let conv1 = try XCTUnwrap(try field("resnet18", "conv1"))
        XCTAssertEqual([conv1.x.size, conv1.x.jump], [7, 2])
        let layer1 = try XCTUnwrap(try field("resnet18", "layer1.1"))
        XCTAssertEqual([layer1.x.size, layer1.x.jump], [43, 4])
        let layer4 = try XCTUnwrap(try field("resnet18", "layer4.1"))
        XCTAssertEqual([layer4.x.size, layer4.x.jump, layer4.x.length], [435, 32, 7])
        XCTAssertEqual(layer4.x.start, 0)
        XCTAssertNil(try field("resnet18", "fc"))
    }

    func testEfficientNetSamePadding() throws {
        // Stem 3×3 stride 2, TensorFlow SAME at 224: total padding (112 − 1)·2 + 3 − 224 = 1,
        // all of it after, so unit 0 covers pixels 0…2 (center 1).
        let stem = try XCTUnwrap(try field("efficientnet-lite0", "stem"))
        XCTAssertEqual([stem.x.size, stem.x.jump, stem.x.length], [3, 2, 112])
        XCTAssertEqual(stem.x.start, 1)
        XCTAssertEqual(stem.x.span(0).lo, 0)
        XCTAssertEqual(stem.x.span(0).hi, 2)
        // blocks.0: depthwise 3×3 stride 1 (SAME: 1 before, 1 after): r 3 + 2·2 = 7, c stays 1.
        let block0 = try XCTUnwrap(try field("efficientnet-lite0", "blocks.0"))
        XCTAssertEqual([block0.x.size, block0.x.jump], [7, 2])
        XCTAssertEqual(block0.x.start, 1)
        XCTAssertNil(try field("efficientnet-lite0", "pool"))
    }

    func testFashionCNNAndTheCrop() throws {
        // conv 3×3 p1: r 3; pool 2: r 4, j 2, c 0.5; conv: r 8; pool: r 10, j 4, c 1.5.
        let model = try Zoo.architecture("fashion-cnn")
        let pool2 = try XCTUnwrap(try model.receptiveField(at: "5"))
        XCTAssertEqual([pool2.x.size, pool2.x.jump, pool2.x.length], [10, 4, 7])
        XCTAssertEqual(pool2.x.start, 1.5)
        // Unit 0 sees [1.5 − 4.5, 1.5 + 4.5] = [−3, 6]: the 10-px crop is pushed into the image.
        XCTAssertEqual(pool2.x.span(0).lo, -3)
        XCTAssertEqual(pool2.x.span(0).hi, 6)
        let corner = pool2.crop(unitX: 0, unitY: 0, width: 28, height: 28)
        XCTAssertEqual([corner.x, corner.y, corner.side], [0, 0, 10])
        // Unit (3, 2): centers 13.5 and 9.5 → spans [9, 18] and [5, 14].
        let inner = pool2.crop(unitX: 3, unitY: 2, width: 28, height: 28)
        XCTAssertEqual([inner.x, inner.y, inner.side], [9, 5, 10])
    }

    /// With no ReLU and average pools every path is linear, so the input gradient of one
    /// unit is nonzero exactly on its receptive field (generic random weights): the support
    /// must fill the field's box, clamped to the image. A dilated kernel skips pixels (the
    /// field is then the bounding box of a sparse support), so there only containment holds.
    func testFieldIsTheGradientSupportOfALinearNetwork() throws {
        for dilation in [1, 2] {
            let s = RandomStream(seed: 3)
            let network = Sequential([
                try Conv2d(1, 3, kernel: 3, padding: .fixed(1), initStream: s.derived(1)),
                AvgPool2d(kernel: 2),
                try Conv2d(3, 2, kernel: 5, stride: 2, padding: .fixed(1), dilation: dilation, initStream: s.derived(2)),
                AvgPool2d(kernel: 3, stride: 1, padding: 1),
                try Conv2d(2, 2, kernel: 3, stride: 1, padding: .same, initStream: s.derived(3)),
            ])
            let model = Model(name: "linear", network: network, preset: .fashionMNIST)
            let (h, w) = (40, 36)
            let f = try XCTUnwrap(try model.receptiveField(at: "4", height: h, width: w))
            let pixels = try Tensor.randomUniform([1, 1, h, w], stream: RandomStream(seed: 4))
            for (ux, uy) in [(0, 0), (2, 1), (f.x.length - 1, f.y.length - 1)] {
                let result = try model.inputGradient(pixels, recording: ["4"]) { pass in
                    let a = try XCTUnwrap(pass["4"])
                    XCTAssertEqual(a.shape, [1, 2, f.y.length, f.x.length])
                    return try a.narrowed(axis: 1, start: 1, length: 1).narrowed(axis: 2, start: uy, length: 1)
                        .narrowed(axis: 3, start: ux, length: 1).sum()
                }
                let g = result.gradient.scalars
                var (x0, y0, x1, y1) = (w, h, -1, -1)
                for y in 0..<h {
                    for x in 0..<w where g[y * w + x] != 0 {
                        (x0, y0, x1, y1) = (min(x0, x), min(y0, y), max(x1, x), max(y1, y))
                    }
                }
                let (xs, ys) = (f.x.span(ux), f.y.span(uy))
                let box = [max(xs.lo, 0), min(xs.hi, w - 1), max(ys.lo, 0), min(ys.hi, h - 1)]
                let context = "dilation \(dilation), unit (\(ux), \(uy)): support \([x0, x1, y0, y1]), field \(box)"
                XCTAssertLessThanOrEqual(x1, w - 1, context)  // the unit's gradient is not empty
                if dilation == 1 {
                    XCTAssertEqual([x0, x1, y0, y1], box, context)
                } else {
                    XCTAssert(x0 >= box[0] && x1 <= box[1] && y0 >= box[2] && y1 <= box[3], context)
                }
            }
        }
    }
}
