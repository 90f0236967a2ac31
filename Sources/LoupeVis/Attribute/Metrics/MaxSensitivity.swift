import LoupeTensor

/// Max-sensitivity (Yeh et al. 2019): how far the map moves when the input moves a
/// little, max over N draws y ~ U(x − r, x + r) (each element alike) of
/// ‖Φ(y) − Φ(x)‖₂ / ‖Φ(x)‖₂, Captum's relative form (the absolute one when Φ(x) is 0).
/// The method runs again on every draw, so its own seed keeps each map reproducible and
/// the draws are keyed by (seed, target, draw).
enum MaxSensitivity {
    static func measure(_ map: AttributionMap, image: Tensor, method: any AttributionMethod, samples: Int, radius: Float,
                        seed: UInt64, target: Int, context: Attributor) throws -> Double {
        let stream = RandomStream(seed: seed, key: [0x5E75, UInt64(target)])
        let pixels = image.scalars
        let norm = map.values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        var worst = 0.0
        for s in 0..<samples {
            let draw = stream.derived(UInt64(s))
            let moved = pixels.indices.map { pixels[$0] + radius * (2 * draw.uniform(at: UInt64($0)) - 1) }
            let other = try context.attribute(try Tensor(shape: image.shape, scalars: moved), target: target, method: method)
            guard other.values.count == map.values.count else { throw VisError.invalid("\(method.name) changed its map's size") }
            let distance = zip(other.values, map.values).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
            worst = Swift.max(worst, distance.squareRoot() / (norm > 0 ? norm : 1))
        }
        return worst
    }
}
