extension Image {
    /// Bilinear resize. When shrinking with `antialias` (the default), the triangle
    /// filter is widened by the scale factor so every source pixel contributes — the
    /// algorithm of PIL's `BILINEAR` and torchvision's `antialias=True`; plain bilinear
    /// sampling would alias (skip pixels) on large reductions. Pixel centres are
    /// aligned (`align_corners=False`); edges are handled by renormalising the weights
    /// that fall inside the image. The intermediate pass is kept in Float (PIL rounds it
    /// to 8 bits), so values may differ from PIL's by one level.
    public func resized(width newWidth: Int, height newHeight: Int, antialias: Bool = true) throws -> Image {
        do {
            try Image.checkLayout(width: newWidth, height: newHeight, channels: channels)
        } catch let error as ImageError {
            throw ImageError.invalidArgument(op: "resize", "target size: \(error)")
        }
        if newWidth == width && newHeight == height { return self }

        // Horizontal pass: height × newWidth × channels.
        var horizontal = [Float](repeating: 0, count: height * newWidth * channels)
        let xTaps = ResampleTaps(inSize: width, outSize: newWidth, antialias: antialias)
        pixels.withUnsafeBufferPointer { src in
            for y in 0..<height {
                let row = y * width * channels
                for ox in 0..<newWidth {
                    let (start, weights) = xTaps[ox]
                    for c in 0..<channels {
                        var acc: Float = 0
                        for (k, w) in weights.enumerated() {
                            acc += w * Float(src[row + (start + k) * channels + c])
                        }
                        horizontal[(y * newWidth + ox) * channels + c] = acc
                    }
                }
            }
        }

        // Vertical pass: newHeight × newWidth × channels.
        let yTaps = ResampleTaps(inSize: height, outSize: newHeight, antialias: antialias)
        let rowLength = newWidth * channels
        var out = [UInt8](repeating: 0, count: newHeight * rowLength)
        for oy in 0..<newHeight {
            let (start, weights) = yTaps[oy]
            for i in 0..<rowLength {
                var acc: Float = 0
                for (k, w) in weights.enumerated() {
                    acc += w * horizontal[(start + k) * rowLength + i]
                }
                out[oy * rowLength + i] = Image.byte(acc)
            }
        }
        return Image(unchecked: newWidth, newHeight, channels, out)
    }

    /// Resizes so the shorter side becomes `size`, keeping the aspect ratio (the longer
    /// side is truncated as torchvision's `Resize(int)` does).
    public func resized(shorterSide size: Int, antialias: Bool = true) throws -> Image {
        guard size > 0 else {
            throw ImageError.invalidArgument(op: "resize", "shorter side must be positive, got \(size)")
        }
        if width <= height {
            return try resized(width: size, height: max(1, size * height / width), antialias: antialias)
        }
        return try resized(width: max(1, size * width / height), height: size, antialias: antialias)
    }

    /// Every pixel repeated `factor` × `factor` times (nearest neighbour), channels and
    /// alpha kept as they are: how tiny images are shown large without blurring.
    public func scaledNearest(by factor: Int) throws -> Image {
        guard factor >= 1 else {
            throw ImageError.invalidArgument(op: "scaledNearest", "factor must be at least 1, got \(factor)")
        }
        guard factor > 1 else { return self }
        let (w, h) = (width * factor, height * factor)
        try Image.checkLayout(width: w, height: h, channels: channels)
        var out = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h {
            for x in 0..<w {
                let src = ((y / factor) * width + x / factor) * channels, dst = (y * w + x) * channels
                for c in 0..<channels { out[dst + c] = pixels[src + c] }
            }
        }
        return Image(unchecked: w, h, channels, out)
    }

    /// The rectangle whose top-left pixel is (`x`, `y`).
    public func cropped(x: Int, y: Int, width cropWidth: Int, height cropHeight: Int) throws -> Image {
        guard x >= 0, y >= 0, cropWidth > 0, cropHeight > 0,
              x + cropWidth <= width, y + cropHeight <= height else {
            throw ImageError.invalidArgument(
                op: "crop", "\(cropWidth)×\(cropHeight) at (\(x), \(y)) does not fit in a \(width)×\(height) image")
        }
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * channels)
        let rowLength = cropWidth * channels
        for row in 0..<cropHeight {
            let src = ((y + row) * width + x) * channels
            out.replaceSubrange(row * rowLength..<(row + 1) * rowLength, with: pixels[src..<src + rowLength])
        }
        return Image(unchecked: cropWidth, cropHeight, channels, out)
    }

    /// The centred `cropWidth`×`cropHeight` rectangle. Offsets are rounded half-to-even,
    /// as torchvision's `center_crop` does (Python's `round`), so crops line up with it.
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) throws -> Image {
        guard cropWidth <= width, cropHeight <= height else {
            throw ImageError.invalidArgument(
                op: "centerCrop", "\(cropWidth)×\(cropHeight) is larger than the \(width)×\(height) image")
        }
        let x = Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven))
        let y = Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven))
        return try cropped(x: x, y: y, width: cropWidth, height: cropHeight)
    }

    /// The largest centred square.
    public func centerCroppedToSquare() -> Image {
        let side = min(width, height)
        // Cannot fail: the square fits by construction.
        return (try? centerCropped(width: side, height: side)) ?? self
    }
}

/// Per output pixel, the first input pixel and the normalised filter weights (PIL's
/// `precompute_coeffs` with the triangle filter).
struct ResampleTaps {
    private var starts: [Int] = []
    private var weights: [[Float]] = []

    init(inSize: Int, outSize: Int, antialias: Bool) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = antialias ? max(scale, 1) : 1
        let support = filterScale  // the triangle's half-width is 1, widened when shrinking
        for o in 0..<outSize {
            let center = (Double(o) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            var w: [Double] = []
            for i in lo..<max(hi, lo) {
                w.append(max(0, 1 - abs((Double(i) - center + 0.5) / filterScale)))
            }
            let total = w.reduce(0, +)
            starts.append(lo)
            weights.append(total > 0 ? w.map { Float($0 / total) } : w.map(Float.init))
        }
    }

    subscript(o: Int) -> (Int, [Float]) { (starts[o], weights[o]) }
}
