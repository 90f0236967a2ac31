import CPNG

/// PNG decoding and encoding through libpng's simplified API, which handles every
/// PNG colour type and bit depth in C and reports errors as a return code and a
/// message (it never `longjmp`s through Swift frames).
///
/// What decoding does to the samples:
/// - gray, RGB and palette images come out as 1 or 3 channels of 8 bits;
/// - 16-bit samples are reduced to 8 bits (v·255/65535, rounded). A 16-bit file with no
///   gAMA/sRGB chunk is taken as sRGB-encoded (`PNG_IMAGE_FLAG_16BIT_sRGB`), like every
///   other image tool, not as linear light, which is libpng's default for 16-bit;
/// - a gAMA chunk that differs from sRGB is honoured (samples are converted to sRGB);
///   ICC profiles are ignored;
/// - alpha (an alpha channel or a palette's tRNS) is composited onto white in the sRGB
///   values themselves: out = (c·a + 255·(255 − a)) / 255, rounded.
enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private static let flagAlpha = UInt32(PNG_FORMAT_FLAG_ALPHA)
    private static let flagColor = UInt32(PNG_FORMAT_FLAG_COLOR)

    static func decode(_ bytes: [UInt8], name: String) throws -> Image {
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
        let channels = color ? 3 : 1
        do {
            try Image.checkLayout(width: width, height: height, channels: channels)
        } catch let error as ImageError {
            throw ImageError.unsupportedFormat(path: name, reason: "\(error)")
        }

        let decodedChannels = channels + (alpha ? 1 : 0)
        png.format = (color ? flagColor : 0) | (alpha ? flagAlpha : 0)  // 8-bit, not linear
        png.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var decoded = [UInt8](repeating: 0, count: width * height * decodedChannels)
        let finished = decoded.withUnsafeMutableBytes { raw in
            png_image_finish_read(&png, nil, raw.baseAddress, Int32(width * decodedChannels), nil)
        }
        guard finished != 0 else {
            throw ImageError.corrupt(path: name, reason: "PNG data: \(message(of: &png))")
        }
        guard alpha else { return Image(unchecked: width, height, channels, decoded) }
        return Image(unchecked: width, height, channels,
                     compositeOnWhite(decoded, pixels: width * height, channels: channels))
    }

    /// Drops the last (alpha) channel of each pixel by compositing onto white.
    static func compositeOnWhite(_ src: [UInt8], pixels: Int, channels: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels * channels)
        let stride = channels + 1
        for p in 0..<pixels {
            let a = Int(src[p * stride + channels])
            for c in 0..<channels {
                let v = Int(src[p * stride + c])
                out[p * channels + c] = UInt8((v * a + 255 * (255 - a) + 127) / 255)
            }
        }
        return out
    }

    static func encode(_ image: Image, name: String) throws -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 3 ? flagColor : 0
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
