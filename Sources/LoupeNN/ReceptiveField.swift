import LoupeTensor

/// Which input pixels a unit of a layer can see, by receptive-field arithmetic (Araujo,
/// Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill
/// 2019): each conv or pool of kernel k (dilated to k' = d·(k−1)+1), stride s and leading
/// padding p maps (size r, jump j, start c) to (r + (k'−1)·j, j·s, c + ((k'−1)/2 − p)·j).
/// Branches (residual shortcuts) see no more than the main path, so a block's field is
/// its main path's. Elementwise layers leave the field as it is.
public struct ReceptiveField: Equatable, Sendable, CustomStringConvertible {
    public struct Axis: Equatable, Sendable {
        /// Input pixels one unit sees along this axis.
        public var size: Int
        /// Input pixels between neighbouring units.
        public var jump: Int
        /// Input coordinate of unit 0's center (pixel i is centered at i; may be x.5).
        public var start: Double
        /// Units along this axis in the layer's map (TensorFlow "SAME" padding needs it).
        public var length: Int

        /// The field after a window of `kernel` taps at `stride`, padded by `before`/`after`.
        public func through(kernel: Int, stride: Int, before: Int, after: Int, dilation: Int = 1) -> Axis {
            let k = dilation * (kernel - 1) + 1
            return Axis(size: size + (k - 1) * jump, jump: jump * stride,
                        start: start + (Double(k - 1) / 2 - Double(before)) * Double(jump),
                        length: Swift.max((length + before + after - k) / stride + 1, 0))
        }

        /// The input pixels [lo, hi] unit `u` sees, before clamping to the image.
        public func span(_ u: Int) -> (lo: Int, hi: Int) {
            let center = start + Double(u * jump), half = Double(size - 1) / 2
            return (Int((center - half).rounded(.down)), Int((center + half).rounded(.up)))
        }
    }

    public var y: Axis, x: Axis

    /// The input image itself: every pixel sees itself.
    public init(height: Int, width: Int) {
        y = Axis(size: 1, jump: 1, start: 0, length: height)
        x = Axis(size: 1, jump: 1, start: 0, length: width)
    }

    public init(y: Axis, x: Axis) { (self.y, self.x) = (y, x) }

    public func through(kernel: Int, stride: Int, padding: Padding2D, dilation: Int = 1) -> ReceptiveField {
        ReceptiveField(y: y.through(kernel: kernel, stride: stride, before: padding.top, after: padding.bottom, dilation: dilation),
                       x: x.through(kernel: kernel, stride: stride, before: padding.left, after: padding.right, dilation: dilation))
    }

    /// The square crop (clamped into a `width`×`height` image) of side min(field size, image)
    /// centered on unit (ux, uy): the patch Zeiler & Fergus show beside a reconstruction.
    public func crop(unitX ux: Int, unitY uy: Int, width: Int, height: Int) -> (x: Int, y: Int, side: Int) {
        let side = Swift.min(Swift.max(x.size, y.size), width, height)
        let (xs, ys) = (x.span(ux), y.span(uy))
        let cx = (xs.lo + xs.hi + 1) / 2, cy = (ys.lo + ys.hi + 1) / 2
        return (x: Swift.min(Swift.max(cx - side / 2, 0), width - side),
                y: Swift.min(Swift.max(cy - side / 2, 0), height - side), side: side)
    }

    public var description: String {
        x.size == y.size && x.jump == y.jump
            ? "\(x.size) px (units \(x.jump) px apart)"
            : "\(x.size)×\(y.size) px (units \(x.jump)×\(y.jump) px apart)"
    }
}

extension Model {
    /// The receptive field of `layer`'s units for an input of `height`×`width` (the preset's
    /// size by default); nil when the layer has no spatial map (after a global pool, a
    /// flatten or a linear layer every unit sees the whole image).
    public func receptiveField(at layer: String, height: Int? = nil, width: Int? = nil) throws -> ReceptiveField? {
        let name = try resolveLayer(layer)
        var taps: [String: ReceptiveField?] = [:]
        _ = try network.receptiveField(
            ReceptiveField(height: height ?? preset.inputSize, width: width ?? preset.inputSize), path: "", taps: &taps)
        return taps[name] ?? nil
    }
}

extension Module {
    /// The children in order, each tapped under its dotted path: the field arithmetic of
    /// every module whose forward pass is a chain of its children (Sequential and the like).
    public func chainReceptiveField(
        _ field: ReceptiveField?, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? {
        var current = field
        for (key, child) in children {
            let name = path.isEmpty ? key : path + "." + key
            current = try current.flatMap { try child.receptiveField($0, path: name, taps: &taps) }
            taps[name] = current
        }
        return current
    }
}
