import LoupeTensor
import CPNG

/// PNG decoding and encoding through libpng's simplified API, which handles every
/// PNG colour type and bit depth in C and reports errors as a return code and a
/// message (it never `longjmp`s through Swift frames).
///
/// What decoding does to the samples:
/// - gray, RGB and palette images come out as 1 or 3 channels of 8 bits; images with
///   alpha (an alpha channel or a palette's tRNS) as 4 (RGBA, straight alpha) — gray
///   with alpha too, the gray replicated, since `Image` has no 2-channel layout;
/// - 16-bit samples are reduced to 8 bits (v·255/65535, rounded). A 16-bit file with no
///   gAMA/sRGB chunk is taken as sRGB-encoded (`PNG_IMAGE_FLAG_16BIT_sRGB`), like every
///   other image tool, not as linear light, which is libpng's default for 16-bit;
/// - a gAMA chunk that differs from sRGB is honoured (samples are converted to sRGB);
///   ICC profiles are ignored.
///
/// Alpha is kept, not flattened: whatever feeds a model flattens it onto white through
/// `Image.withoutAlpha()`, exactly as this decoder used to.
///
/// Encoding writes 8-bit gray, RGB or RGBA (colour type 0, 2 or 6).
enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private static let flagAlpha = UInt32(PNG_FORMAT_FLAG_ALPHA)
    private static let flagColor = UInt32(PNG_FORMAT_FLAG_COLOR)

    static func decode(_ bytes: [UInt8], name: String, limits: ResourceLimits = .default) throws -> Image {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&png) }

        let began = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&png, raw.baseAddress, raw.count)
        }
        guard began != 0 else {
            throw ImageError.corrupt(path: name, reason: "PNG header: \(message(of: &png))")
        }
        let width = Int(png.width), height = Int(png.height)
        let color = png.format & flagColor != 0
        let alpha = png.format & flagAlpha != 0
        let channels = alpha ? 4 : color ? 3 : 1
        do {
            try Image.checkLayout(width: width, height: height, channels: channels, limits: limits)
        } catch let error as ImageError {
            throw ImageError.unsupportedFormat(path: name, reason: "\(error)")
        }

        let decodedChannels = (color ? 3 : 1) + (alpha ? 1 : 0)
        png.format = (color ? flagColor : 0) | (alpha ? flagAlpha : 0)  // 8-bit, not linear
        png.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var decoded = [UInt8](repeating: 0, count: width * height * decodedChannels)
        let finished = decoded.withUnsafeMutableBytes { raw in
            png_image_finish_read(&png, nil, raw.baseAddress, Int32(width * decodedChannels), nil)
        }
        guard finished != 0 else {
            throw ImageError.corrupt(path: name, reason: "PNG data: \(message(of: &png))")
        }
        guard alpha, !color else { return Image(unchecked: width, height, channels, decoded) }
        return Image(unchecked: width, height, 4, rgbaFromGrayAlpha(decoded, pixels: width * height))
    }

    /// Gray+alpha samples as RGBA, the gray replicated (done here rather than by libpng,
    /// whose gray-to-colour path may apply colour-space conversions).
    static func rgbaFromGrayAlpha(_ src: [UInt8], pixels: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels * 4)
        for p in 0..<pixels {
            let g = src[2 * p]
            out[4 * p] = g; out[4 * p + 1] = g; out[4 * p + 2] = g
            out[4 * p + 3] = src[2 * p + 1]
        }
        return out
    }

    static func encode(_ image: Image, name: String) throws -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        switch image.channels {
        case 4: png.format = flagColor | flagAlpha
        case 3: png.format = flagColor
        default: png.format = 0
        }
        defer { png_image_free(&png) }

        let rowStride = Int32(image.width * image.channels)
        var size = 0
        // First pass measures, second writes: the API's documented way to size the buffer.
        let measured = image.pixels.withUnsafeBytes { raw in
            png_image_write_to_memory(&png, nil, &size, 0, raw.baseAddress, rowStride, nil)
        }
        guard measured != 0, size > 0 else {
            throw ImageError.writeFailed(path: name, reason: "PNG encoder: \(message(of: &png))")
        }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { dst in
            image.pixels.withUnsafeBytes { raw in
                png_image_write_to_memory(&png, dst.baseAddress, &size, 0, raw.baseAddress, rowStride, nil)
            }
        }
        guard written != 0 else {
            throw ImageError.writeFailed(path: name, reason: "PNG encoder: \(message(of: &png))")
        }
        return Array(out.prefix(size))
    }

    private static func message(of png: inout png_image) -> String {
        let text = withUnsafeBytes(of: &png.message) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "libpng reported an error without a message" : text
    }
}
