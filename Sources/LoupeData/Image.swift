import LoupeTensor

/// An 8-bit image in memory: rows top to bottom, pixels left to right, channels
/// interleaved (HWC), 1 channel (gray), 3 (RGB) or 4 (RGBA, straight alpha).
///
/// RGBA exists for transparent feature visualizations and PNGs that carry alpha.
/// Models never see it: `withoutAlpha()` composites onto white (what a viewer shows
/// behind a transparent picture) and `rgb()`, `gray()` and `Model.input(from:)` go
/// through it, so every model input is exactly what it was when decoders flattened
/// alpha themselves.
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    /// Builds an image from HWC pixels, checking that the layout is one Loupe handles.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        try Image.checkLayout(width: width, height: height, channels: channels)
        guard pixels.count == width * height * channels else {
            throw ImageError.invalidImage(
                "\(width)×\(height)×\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        }
        self.init(unchecked: width, height, channels, pixels)
    }

    /// An image filled with one value in every channel.
    public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) throws {
        try Image.checkLayout(width: width, height: height, channels: channels)
        self.init(unchecked: width, height, channels, [UInt8](repeating: fill, count: width * height * channels))
    }

    init(unchecked width: Int, _ height: Int, _ channels: Int, _ pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    static func checkLayout(width: Int, height: Int, channels: Int, limits: ResourceLimits = .default) throws {
        guard channels == 1 || channels == 3 || channels == 4 else {
            throw ImageError.invalidImage("images have 1 (gray), 3 (RGB) or 4 (RGBA) channels, got \(channels)")
        }
        guard width > 0, height > 0 else {
            throw ImageError.invalidImage("image size must be positive, got \(width)×\(height)")
        }
        // Limits that stop a hostile header from asking for gigabytes before any pixel is read.
        guard width <= limits.maxImageSide, height <= limits.maxImageSide, width * height <= limits.maxImagePixels else {
            throw ImageError.invalidImage(
                "\(width)×\(height) is larger than Loupe accepts (\(limits.maxImagePixels) pixels, "
                    + "\(limits.maxImageSide) per side)")
        }
    }

    /// The value of channel `c` of the pixel at column `x`, row `y`.
    public subscript(x x: Int, y y: Int, c c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// Whether the last channel is alpha.
    public var hasAlpha: Bool { channels == 4 }

    /// The image without its alpha channel, composited onto a uniform `background`
    /// (white by default): out = (c·a + bg·(255 − a)) / 255, rounded. Gray and RGB
    /// images are returned as they are.
    public func withoutAlpha(background: UInt8 = 255) -> Image {
        guard channels == 4 else { return self }
        let count = width * height, bg = Int(background)
        var out = [UInt8](repeating: 0, count: count * 3)
        for p in 0..<count {
            let a = Int(pixels[p * 4 + 3])
            for c in 0..<3 {
                out[p * 3 + c] = UInt8((Int(pixels[p * 4 + c]) * a + bg * (255 - a) + 127) / 255)
            }
        }
        return Image(unchecked: width, height, 3, out)
    }

    /// The same image with 3 channels: gray replicated, alpha composited onto white
    /// (`withoutAlpha()`); RGB images are returned as they are.
    public func rgb() -> Image {
        if channels == 4 { return withoutAlpha() }
        guard channels == 1 else { return self }
        var out = [UInt8](repeating: 0, count: pixels.count * 3)
        for i in 0..<pixels.count {
            out[3 * i] = pixels[i]; out[3 * i + 1] = pixels[i]; out[3 * i + 2] = pixels[i]
        }
        return Image(unchecked: width, height, 3, out)
    }

    /// The same image with 1 channel, using ITU-R 601 luma weights (as PIL's `convert("L")`);
    /// RGBA is composited onto white first.
    public func gray() -> Image {
        if channels == 4 { return withoutAlpha().gray() }
        guard channels == 3 else { return self }
        var out = [UInt8](repeating: 0, count: width * height)
        for i in 0..<out.count {
            let r = Int(pixels[3 * i]), g = Int(pixels[3 * i + 1]), b = Int(pixels[3 * i + 2])
            // Fixed point with rounding: 299/587/114 per mille.
            out[i] = UInt8((r * 299 + g * 587 + b * 114 + 500) / 1000)
        }
        return Image(unchecked: width, height, 1, out)
    }

    /// The same image with `channels` channels (1 or 3, what models take), converting as
    /// `rgb()` / `gray()` do.
    public func converted(toChannels channels: Int) throws -> Image {
        switch channels {
        case 1: return gray()
        case 3: return rgb()
        default: throw ImageError.invalidImage("images have 1 or 3 channels, asked for \(channels)")
        }
    }

    /// Pixels as floats in [0, 1], HWC order.
    public var unitFloats: [Float] { pixels.map { Float($0) / 255 } }

    /// Builds an image from HWC floats in [0, 1]; values outside are clamped, NaN becomes 0.
    public init(width: Int, height: Int, channels: Int, unitFloats: [Float]) throws {
        try Image.checkLayout(width: width, height: height, channels: channels)
        guard unitFloats.count == width * height * channels else {
            throw ImageError.invalidImage(
                "\(width)×\(height)×\(channels) needs \(width * height * channels) values, got \(unitFloats.count)")
        }
        self.init(unchecked: width, height, channels, unitFloats.map { Image.byte($0 * 255) })
    }

    /// Rounds to the nearest byte, clamping to 0...255 (NaN → 0) so no float can trap.
    @inline(__always)
    static func byte(_ v: Float) -> UInt8 {
        guard v > 0 else { return 0 }   // also catches NaN
        guard v < 255 else { return 255 }
        return UInt8(v + 0.5)
    }
}

/// Errors from reading, writing and transforming images; each names the file (when
/// there is one) and what is wrong with it.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case unsupportedFormat(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case invalidImage(String)
    case invalidArgument(op: String, String)

    public var description: String {
        switch self {
        case let .fileNotFound(path): return "\(path): no such image file"
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .unsupportedFormat(path, reason): return "\(path): unsupported image format: \(reason)"
        case let .corrupt(path, reason): return "\(path): corrupt or truncated image: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write image: \(reason)"
        case let .invalidImage(why): return "invalid image: \(why)"
        case let .invalidArgument(op, why): return "\(op): \(why)"
        }
    }
}
