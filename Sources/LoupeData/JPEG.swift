import LoupeTensor
import CJPEGShim

/// JPEG decoding through libjpeg-turbo, via the small C shim `CJPEGShim`: libjpeg's
/// fatal errors must unwind with longjmp, which is only safe between C frames, so the
/// whole decode runs in C and comes back as pixels or a message.
///
/// Grayscale files give 1 channel; YCbCr and RGB give RGB; CMYK/YCCK (Adobe) files are
/// converted to RGB as R = C·K/255 on the inverted samples (what PIL does). A file that
/// ends early is an error, not a gray-padded image.
enum JPEGCodec {
    static func decode(_ bytes: [UInt8], name: String, limits: ResourceLimits = .default) throws -> Image {
        var result = loupe_jpeg_image()
        let status = bytes.withUnsafeBufferPointer { buf in
            loupe_jpeg_decode(buf.baseAddress, buf.count, limits.maxImagePixels, &result)
        }
        defer { loupe_jpeg_free(&result) }
        guard status == 0, let base = result.pixels else {
            let message = withUnsafeBytes(of: &result.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw ImageError.corrupt(path: name, reason: "JPEG: \(message.isEmpty ? "decoder failed" : message)")
        }
        let width = Int(result.width), height = Int(result.height), channels = Int(result.channels)
        do {
            try Image.checkLayout(width: width, height: height, channels: channels, limits: limits)
        } catch let error as ImageError {
            throw ImageError.unsupportedFormat(path: name, reason: "\(error)")
        }
        let pixels = Array(UnsafeBufferPointer(start: base, count: width * height * channels))
        return Image(unchecked: width, height, channels, pixels)
    }
}
