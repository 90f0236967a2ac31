import LoupeTensor

/// torchvision's `features → avgpool → flatten → classifier` layout, shared by VGG and
/// AlexNet, with the same child names so a user's `torch.save(model.state_dict())` loads as is.
public final class FeaturesClassifier: Module {
    let features: Sequential, avgpool: AdaptiveAvgPool2d, classifier: Sequential

    init(features: [Module], pool: Int, classifier: [Module]) {
        self.features = Sequential(features)
        avgpool = AdaptiveAvgPool2d(height: pool, width: pool)
        self.classifier = Sequential(classifier)
        super.init()
        add(self.features, as: "features")
        add(avgpool, as: "avgpool")
        add(self.classifier, as: "classifier")
    }

    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        var y = try ctx.tap("features", try ctx.within("features") { try features.forward(x, ctx) })
        y = try ctx.tap("avgpool", try avgpool.forward(y, ctx)).flattened(from: 1)
        return try ctx.tap("classifier", try ctx.within("classifier") { try classifier.forward(y, ctx) })
    }

    /// VGG-16 (configuration D): conv5_3 is `features.28`, its ReLU `features.29`.
    public static func vgg16(classes: Int = 1000, seed: UInt64 = 0) throws -> FeaturesClassifier {
        let plan: [Int?] = [64, 64, nil, 128, 128, nil, 256, 256, 256, nil, 512, 512, 512, nil, 512, 512, 512, nil]
        var layers: [Module] = []
        var channels = 3
        for (i, width) in plan.enumerated() {
            guard let width else { layers.append(MaxPool2d(kernel: 2)); continue }
            layers.append(try Conv2d(channels, width, kernel: 3, padding: .fixed(1),
                                     initStream: RandomStream(seed: seed, key: [UInt64(i)])))
            layers.append(ReLU())
            channels = width
        }
        return FeaturesClassifier(features: layers, pool: 7, classifier: [
            try Linear(512 * 7 * 7, 4096, initStream: RandomStream(seed: seed, key: [100])), ReLU(), try Dropout(),
            try Linear(4096, 4096, initStream: RandomStream(seed: seed, key: [101])), ReLU(), try Dropout(),
            try Linear(4096, classes, initStream: RandomStream(seed: seed, key: [102])),
        ])
    }

    /// AlexNet as torchvision defines it (the one-tower variant).
    public static func alexNet(classes: Int = 1000, seed: UInt64 = 0) throws -> FeaturesClassifier {
        func s(_ k: UInt64) -> RandomStream { RandomStream(seed: seed, key: [k]) }
        return FeaturesClassifier(features: [
            try Conv2d(3, 64, kernel: 11, stride: 4, padding: .fixed(2), initStream: s(0)), ReLU(),
            MaxPool2d(kernel: 3, stride: 2),
            try Conv2d(64, 192, kernel: 5, padding: .fixed(2), initStream: s(1)), ReLU(),
            MaxPool2d(kernel: 3, stride: 2),
            try Conv2d(192, 384, kernel: 3, padding: .fixed(1), initStream: s(2)), ReLU(),
            try Conv2d(384, 256, kernel: 3, padding: .fixed(1), initStream: s(3)), ReLU(),
            try Conv2d(256, 256, kernel: 3, padding: .fixed(1), initStream: s(4)), ReLU(),
            MaxPool2d(kernel: 3, stride: 2),
        ], pool: 6, classifier: [
            try Dropout(), try Linear(256 * 6 * 6, 4096, initStream: s(5)), ReLU(),
            try Dropout(), try Linear(4096, 4096, initStream: s(6)), ReLU(),
            try Linear(4096, classes, initStream: s(7)),
        ])
    }
}
