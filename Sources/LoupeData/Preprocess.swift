import LoupeTensor

/// Per-channel normalization of 8-bit pixels: x = (pixel − mean[c]) / std[c], with mean
/// and std on the 0…255 pixel scale. Model presets and YAML specs state theirs in [0, 1]
/// units instead (torchvision's form, x = (pixel/255 − mean) / std); the two differ by 255.
///
/// Keeping the pixel scale (rather than the usual [0, 1] means) lets EfficientNet-Lite's
/// (pixel − 127) / 128 be expressed exactly; ImageNet's torchvision constants are
/// converted by `init(unitMean:unitStd:)`. One value applies to every channel.
public struct Normalization: Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    /// `mean` and `std` in pixel units (0…255), one per channel or one for all.
    public init(mean: [Float], std: [Float]) throws {
        guard !mean.isEmpty, mean.count == std.count else {
            throw ImageError.invalidArgument(
                op: "Normalization", "mean has \(mean.count) values and std \(std.count); give one per channel")
        }
        guard std.allSatisfy({ $0.isFinite && $0 != 0 }), mean.allSatisfy({ $0.isFinite }) else {
            throw ImageError.invalidArgument(op: "Normalization", "std must be finite and non-zero, got \(std)")
        }
        self.mean = mean
        self.std = std
    }

    /// Constants in torchvision's form: x = (pixel/255 − mean) / std.
    public init(unitMean: [Float], unitStd: [Float]) throws {
        try self.init(mean: unitMean.map { $0 * 255 }, std: unitStd.map { $0 * 255 })
    }

    /// EfficientNet-Lite: (pixel − 127) / 128.
    public static let efficientNetLite = Normalization(uncheckedMean: [127], std: [128])
    /// torchvision's ImageNet statistics.
    public static let imageNet = Normalization(
        uncheckedMean: [0.485 * 255, 0.456 * 255, 0.406 * 255], std: [0.229 * 255, 0.224 * 255, 0.225 * 255])
    /// pixel / 255, i.e. [0, 1].
    public static let unit = Normalization(uncheckedMean: [0], std: [255])

    private init(uncheckedMean mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    func values(for channels: Int) throws -> (mean: [Float], std: [Float]) {
        if mean.count == 1 { return (Array(repeating: mean[0], count: channels), Array(repeating: std[0], count: channels)) }
        guard mean.count == channels else {
            throw ImageError.invalidArgument(
                op: "normalize", "normalization has \(mean.count) channels, the image has \(channels)")
        }
        return (mean, std)
    }
}

extension Image {
    /// The image as a [1, C, H, W] tensor, normalized per channel.
    public func tensor(normalization: Normalization = .unit) throws -> Tensor {
        try Image.batch([self], normalization: normalization)
    }

    /// Several images of one size and channel count as an [N, C, H, W] tensor.
    public static func batch(_ images: [Image], normalization: Normalization = .unit) throws -> Tensor {
        guard let first = images.first else {
            throw ImageError.invalidArgument(op: "batch", "no images to batch")
        }
        let (mean, std) = try normalization.values(for: first.channels)
        let plane = first.width * first.height
        var scalars = [Float](repeating: 0, count: images.count * first.channels * plane)
        for (n, image) in images.enumerated() {
            guard image.width == first.width, image.height == first.height, image.channels == first.channels else {
                throw ImageError.invalidArgument(
                    op: "batch", "image \(n) is \(image.width)×\(image.height)×\(image.channels), "
                        + "image 0 is \(first.width)×\(first.height)×\(first.channels)")
            }
            let c = image.channels
            for ch in 0..<c {
                let base = (n * c + ch) * plane
                let m = mean[ch], s = std[ch]
                for p in 0..<plane {
                    scalars[base + p] = (Float(image.pixels[p * c + ch]) - m) / s
                }
            }
        }
        return try Tensor(shape: [images.count, first.channels, first.height, first.width], scalars: scalars)
    }

    /// Undoes `tensor(normalization:)`: a [C, H, W] or [1, C, H, W] tensor back to pixels,
    /// rounded and clamped to 0…255 (NaN becomes 0).
    public init(tensor: Tensor, normalization: Normalization = .unit) throws {
        let shape = tensor.shape
        guard shape.count == 3 || (shape.count == 4 && shape[0] == 1) else {
            throw ImageError.invalidArgument(
                op: "Image(tensor:)", "expected a [C, H, W] or [1, C, H, W] tensor, got \(shape)")
        }
        let images = try Image.images(from: shape.count == 3 ? tensor.reshaped([1] + shape) : tensor,
                                      normalization: normalization)
        self = images[0]
    }

    /// Splits an [N, C, H, W] tensor into N images (see `init(tensor:normalization:)`).
    public static func images(from tensor: Tensor, normalization: Normalization = .unit) throws -> [Image] {
        let shape = tensor.shape
        guard shape.count == 4 else {
            throw ImageError.invalidArgument(op: "images(from:)", "expected an [N, C, H, W] tensor, got \(shape)")
        }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        do {
            try checkLayout(width: w, height: h, channels: c)
        } catch let error as ImageError {
            throw ImageError.invalidArgument(op: "images(from:)", "tensor of shape \(shape): \(error)")
        }
        let (mean, std) = try normalization.values(for: c)
        let plane = w * h
        return tensor.withScalars { src in
            (0..<n).map { i in
                var pixels = [UInt8](repeating: 0, count: plane * c)
                for ch in 0..<c {
                    let base = (i * c + ch) * plane
                    for p in 0..<plane {
                        pixels[p * c + ch] = byte(src[base + p] * std[ch] + mean[ch])
                    }
                }
                return Image(unchecked: w, h, c, pixels)
            }
        }
    }
}
