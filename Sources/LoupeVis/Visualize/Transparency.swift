import LoupeTensor

/// Transparent feature visualizations, after Lucid's differentiable-parameterizations
/// notebook `transparency.ipynb` (Mordvintsev et al., "Differentiable Image
/// Parameterizations", Distill 2018):
///
/// 1. the image has an alpha channel (`ImageParameterization(alpha: true)`);
/// 2. every step its colours are composited over a fresh random background,
///    `a·rgb + (1 − a)·bg`, so what is transparent cannot drive the unit — only the
///    opaque part is seen, against a background it cannot count on;
/// 3. the composite and alpha are transformed together (Lucid composites first, then
///    random-scales and crops `concat([composite, alpha])`);
/// 4. the objective is scaled down by how opaque the image is (`weighted(...)`), so
///    opacity is spent only where it buys activation.
public enum Transparency {
    /// Weight of the transparency term; 1 is Lucid's notebook.
    public static let defaultPenalty: Float = 1

    /// The uniform gray the quality numbers (final objective, activation ratio, class
    /// probability) composite transparent images over: the mean of the random
    /// backgrounds, and the value transforms pad with.
    public static let qualityBackground: Float = 0.5

    /// Lucid's `image_sample(shape, sd=0.2, decay_power=1.5)`: a random image of
    /// Fourier coefficients ~ N(0, 0.2²) scaled by 1/f^1.5, colour-decorrelated and
    /// through a sigmoid — smooth, blotchy, colourful noise.
    public static func background(batch: Int, channels: Int, height: Int, width: Int, stream: RandomStream) throws -> Tensor {
        let p = try ImageParameterization(basis: .fourier(decay: 1.5), batch: batch, channels: channels, height: height,
                                          width: width, decorrelate: true, squash: .sigmoid, sd: 0.2, stream: stream)
        return try Autograd.noGrad { try p.image() }
    }

    /// The colours and the alpha of an image [N, channels + 1, H, W].
    public static func split(_ image: Tensor, channels: Int) throws -> (color: Tensor, alpha: Tensor) {
        guard image.rank == 4, image.shape[1] == channels + 1 else {
            throw VisError.invalid("expected an image with \(channels) colour channels and alpha, got shape \(image.shape)")
        }
        return (try image.narrowed(axis: 1, start: 0, length: channels), try image.narrowed(axis: 1, start: channels, length: 1))
    }

    /// `a·color + (1 − a)·background` ("over", straight alpha); differentiable in both.
    public static func composite(_ color: Tensor, alpha: Tensor, over background: Tensor) throws -> Tensor {
        try color * alpha + background * (1 - alpha)
    }

    /// An image [N, channels + 1, H, W] composited over a uniform gray `value`: [N, channels, H, W].
    public static func flatten(_ image: Tensor, channels: Int, over value: Float = qualityBackground) throws -> Tensor {
        let (color, alpha) = try split(image, channels: channels)
        return try composite(color, alpha: alpha, over: try Tensor.full(color.shape, value))
    }

    /// Lucid's objective for one image: `objective · (1 − w·m)`, with m the mean
    /// opacity, weighted 2 : 1 between the transformed crop the model saw and the whole
    /// image. Lucid's loss is −obj·(1 − mean α_crop) − 0.5·obj·(1 − mean α): at w = 1
    /// that is −1.5× this, the same optimum and, for Adam, the same steps (it ignores
    /// the scale of the gradient); w = 0 leaves the objective as it is.
    public static func weighted(_ objective: Tensor, cropAlpha: Tensor, fullAlpha: Tensor, weight: Float) throws -> Tensor {
        guard weight != 0 else { return objective }
        let opacity = try (cropAlpha.mean() * 2 + fullAlpha.mean()) * (1 / Float(3))
        return try objective * (1 - opacity * weight)
    }

    /// Lucid's notebook's checkerboard for showing transparency: 8 × 8 squares of
    /// 0.95 and 0.6, [1, channels, H, W].
    public static func checkerboard(channels: Int, height: Int, width: Int) throws -> Tensor {
        let sy = max(1, (height + 7) / 8), sx = max(1, (width + 7) / 8)
        var plane = [Float](repeating: 0, count: height * width)
        for y in 0..<height {
            for x in 0..<width { plane[y * width + x] = (y / sy + x / sx) % 2 == 0 ? 0.95 : 0.6 }
        }
        return try Tensor(shape: [1, channels, height, width], scalars: Array([[Float]](repeating: plane, count: channels).joined()))
    }

    /// Images [N, channels + 1, H, W] as RGBA [N, 4, H, W]: gray is replicated, since
    /// PNG files and `Image` have no gray-with-alpha layout here.
    public static func rgba(_ image: Tensor, channels: Int) throws -> Tensor {
        let (color, alpha) = try split(image, channels: channels)
        switch channels {
        case 3: return image
        case 1: return try Tensor.concat([color, color, color, alpha], axis: 1)
        default: throw VisError.invalid("RGBA needs 1 or 3 colour channels, got \(channels)")
        }
    }

    /// Images [N, channels + 1, H, W] composited over the checkerboard, for contact sheets.
    public static func onCheckerboard(_ image: Tensor, channels: Int) throws -> Tensor {
        let (color, alpha) = try split(image, channels: channels)
        let board = try checkerboard(channels: channels, height: image.shape[2], width: image.shape[3])
        return try Autograd.noGrad { try composite(color, alpha: alpha, over: board) }
    }
}
