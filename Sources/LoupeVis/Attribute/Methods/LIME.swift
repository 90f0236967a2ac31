import Foundation
import LoupeTensor

/// LIME for images (Ribeiro et al. 2016, "Why Should I Trust You?"), as the lime
/// package's `LimeImageExplainer` does it: the image is cut into superpixels (SLIC here),
/// each sample switches every superpixel on or off with probability ½ (sample 0 is the
/// image itself), samples are weighted by an exponential kernel of their cosine distance
/// to the image, √exp(−d²/0.25²), and a weighted ridge regression (α = 1, intercept not
/// penalized, as lime's `Ridge(alpha=1)`) of the target's score on the on/off vector
/// explains the score locally. Each pixel gets its superpixel's coefficient: the score's
/// change when that superpixel is shown instead of filled. How well the linear model fits
/// is its weighted R² (`r2`).
public struct LIME: AttributionMethod {
    public let about = AttributionMethodInfo("lime", signed: true, "local linear fit over SLIC superpixels switched on and off (Ribeiro et al. 2016)",
        units: "the weighted ridge coefficient of the pixel's superpixel: logit units (the logit's change when the superpixel is shown instead of filled)")
    /// The ridge penalty α of the local model.
    public let ridge: Double

    public static let defaultSamples = 1000
    /// lime_image's kernel width over cosine distances.
    public static let kernelWidth = 0.25

    public init(ridge: Double = 1) { self.ridge = ridge }

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let settings = context.settings
        let superpixels = try Superpixels(image, settings: settings)
        let (n, m) = (settings.samples ?? Self.defaultSamples, superpixels.count)
        try superpixels.checkDesign(samples: n, method: "LIME")
        // Each sample's on/off vector comes from a stream keyed by its index alone.
        let stream = RandomStream(seed: settings.seed, key: [0x11AE, UInt64(target)])
        let coalitions = (0..<n).map { s -> [Bool] in
            let draw = stream.derived(UInt64(s))
            return (0..<m).map { s == 0 || draw.uniform(at: UInt64($0)) < 0.5 }
        }
        let scores = try superpixels.scores(image, samples: n, target: target, context: context) { coalitions[$0] }

        var design = [Double](repeating: 0, count: n * m), weights = [Double](repeating: 0, count: n)
        for (s, on) in coalitions.enumerated() {
            let shown = on.reduce(0) { $0 + ($1 ? 1 : 0) }
            for j in 0..<m where on[j] { design[s * m + j] = 1 }
            // Cosine distance to the all-on vector, 1 − k/√(k·m); sklearn calls the all-off
            // vector's distance 1.
            let d = shown == 0 ? 1 : 1 - (Double(shown) / Double(m)).squareRoot()
            weights[s] = Foundation.exp(-(d * d) / (Self.kernelWidth * Self.kernelWidth)).squareRoot()
        }
        let fit = try Self.fit(design, rows: n, columns: m, targets: scores.map(Double.init), weights: weights, ridge: ridge)

        var map = superpixels.map(fit.coefficients, method: self, target: target)
        map.figures["score"] = Double(scores[0])
        map.figures["samples"] = Double(n)
        map.figures["r2"] = fit.r2
        map.figures["intercept"] = fit.intercept
        map.figures["ridge"] = ridge
        map.figures["kernel_width"] = Self.kernelWidth
        return map
    }

    /// Weighted ridge regression with an unpenalized intercept, as scikit-learn's
    /// `Ridge(fit_intercept=True).fit(X, y, sample_weight=w)`: the columns and targets
    /// are centred on their weighted means, the penalized normal equations solved through
    /// LAPACK, the intercept recovered from the means. R² is weighted the same way:
    /// 1 − Σw(y − ŷ)² / Σw(y − ȳ)² (1 when both are 0, as scikit-learn's `r2_score`).
    static func fit(_ x: [Double], rows n: Int, columns m: Int, targets y: [Double], weights w: [Double],
                    ridge: Double) throws -> (coefficients: [Double], intercept: Double, r2: Double) {
        let total = w.reduce(0, +)
        guard total > 0 else { throw VisError.invalid("LIME: every sample has weight 0") }
        var xMean = [Double](repeating: 0, count: m), yMean = 0.0
        for i in 0..<n {
            for j in 0..<m { xMean[j] += w[i] * x[i * m + j] }
            yMean += w[i] * y[i]
        }
        xMean = xMean.map { $0 / total }
        yMean /= total
        var centred = x
        for i in 0..<n { for j in 0..<m { centred[i * m + j] -= xMean[j] } }
        let coefficients: [Double]
        do {
            coefficients = try LAPACK.weightedLeastSquares(centred, rows: n, columns: m, targets: y.map { $0 - yMean },
                                                           weights: w, ridge: ridge)
        } catch {
            throw VisError.invalid("LIME's linear fit failed (\(error)): take more --samples or fewer --segments")
        }
        let intercept = yMean - zip(coefficients, xMean).reduce(0) { $0 + $1.0 * $1.1 }
        var residual = 0.0, spread = 0.0
        for i in 0..<n {
            var predicted = intercept
            for j in 0..<m { predicted += coefficients[j] * x[i * m + j] }
            residual += w[i] * (y[i] - predicted) * (y[i] - predicted)
            spread += w[i] * (y[i] - yMean) * (y[i] - yMean)
        }
        let r2 = spread > 0 ? 1 - residual / spread : (residual == 0 ? 1 : 0)
        return (coefficients, intercept, r2)
    }
}
