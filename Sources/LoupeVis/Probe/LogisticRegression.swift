import Foundation
import LoupeTensor

/// Multinomial logistic regression with an L2 penalty on standardized features: the
/// linear probe (Alain & Bengio 2016) and the concept classifier of TCAV. Minimises
///   (1/n) Σᵢ −log softmax(W·x̂ᵢ + b)[yᵢ] + (λ/2)‖W‖²,   x̂ = (x − μ) / σ,
/// with μ, σ the training set's per-feature mean and standard deviation (constant features
/// are left at 0) and the bias unpenalised, by L-BFGS to ‖∇‖∞ ≤ `tolerance`. Products
/// go through BLAS in double.
public struct LogisticRegression: Sendable {
    public let dimensions: Int
    public let classes: Int
    public let mean: [Double]
    /// Per-feature scale; 1 for a constant feature.
    public let scale: [Double]
    /// d × K, row-major, in standardized units.
    public let weights: [Double]
    public let bias: [Double]
    public let l2: Double
    public let iterations: Int
    public let converged: Bool
    /// The objective at the solution.
    public let loss: Double

    public init(features x: [Float], count n: Int, dimensions d: Int, labels y: [Int], classes k: Int,
                l2: Double, tolerance: Double = 1e-6, maxIterations: Int = 500) throws {
        let (size, overflow) = n.multipliedReportingOverflow(by: d)
        guard n >= 1, d >= 1, k >= 2, !overflow, size == x.count, y.count == n else {
            throw VisError.invalid("logistic regression needs n ≥ 1 rows of d ≥ 1 features and K ≥ 2 classes (\(n)×\(d), \(x.count) values, \(y.count) labels, K = \(k))")
        }
        guard y.allSatisfy({ $0 >= 0 && $0 < k }) else { throw VisError.invalid("a label is outside 0..<\(k)") }
        guard l2 >= 0, l2.isFinite else { throw VisError.invalid("the L2 penalty must be ≥ 0") }
        var mean = [Double](repeating: 0, count: d), scale = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        for i in 0..<n { for j in 0..<d { let c = Double(x[i * d + j]) - mean[j]; scale[j] += c * c } }
        for j in 0..<d {
            let sd = (scale[j] / Double(n)).squareRoot()
            scale[j] = sd > 1e-12 * Swift.max(1, Swift.abs(mean[j])) ? sd : 1
        }
        let standardized = Self.standardize(x, count: n, mean: mean, scale: scale)
        let wCount = d * k
        let objective = { (theta: [Double]) throws -> (value: Double, gradient: [Double]) in
            let w = Array(theta[0..<wCount]), b = Array(theta[wCount...])
            var z = try LAPACK.product(standardized, w, m: n, k: d, n: k)
            var loss = 0.0
            for i in 0..<n {
                var peak = -Double.infinity
                for c in 0..<k { z[i * k + c] += b[c]; peak = Swift.max(peak, z[i * k + c]) }
                var total = 0.0
                for c in 0..<k { total += Foundation.exp(z[i * k + c] - peak) }
                loss += peak + Foundation.log(total) - z[i * k + y[i]]
                // z becomes (softmax − one-hot) / n, the loss's gradient in the logits.
                for c in 0..<k { z[i * k + c] = Foundation.exp(z[i * k + c] - peak) / total / Double(n) }
                z[i * k + y[i]] -= 1 / Double(n)
            }
            var gradient = try LAPACK.product(standardized, z, m: d, k: n, n: k, transA: true)
            var penalty = 0.0
            for j in 0..<wCount { penalty += w[j] * w[j]; gradient[j] += l2 * w[j] }
            var gb = [Double](repeating: 0, count: k)
            for i in 0..<n { for c in 0..<k { gb[c] += z[i * k + c] } }
            return (loss / Double(n) + 0.5 * l2 * penalty, gradient + gb)
        }
        var optimizer = LBFGS()
        (optimizer.tolerance, optimizer.maxIterations) = (tolerance, maxIterations)
        let outcome = try optimizer.minimize(from: [Double](repeating: 0, count: wCount + k), objective)
        (dimensions, classes, self.mean, self.scale, self.l2) = (d, k, mean, scale, l2)
        (weights, bias) = (Array(outcome.x[0..<wCount]), Array(outcome.x[wCount...]))
        (iterations, converged, loss) = (outcome.iterations, outcome.converged, outcome.value)
    }

    static func standardize(_ x: [Float], count n: Int, mean: [Double], scale: [Double]) -> [Double] {
        let d = mean.count
        var out = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { out[i * d + j] = (Double(x[i * d + j]) - mean[j]) / scale[j] } }
        return out
    }

    /// Class probabilities, n × K row-major, for raw (unstandardized) features.
    public func probabilities(_ x: [Float], count n: Int) throws -> [Double] {
        guard n >= 1, x.count == n * dimensions else {
            throw VisError.invalid("expected \(n) rows of \(dimensions) features, got \(x.count) values")
        }
        var z = try LAPACK.product(Self.standardize(x, count: n, mean: mean, scale: scale), weights, m: n, k: dimensions, n: classes)
        for i in 0..<n {
            var peak = -Double.infinity
            for c in 0..<classes { z[i * classes + c] += bias[c]; peak = Swift.max(peak, z[i * classes + c]) }
            var total = 0.0
            for c in 0..<classes { z[i * classes + c] = Foundation.exp(z[i * classes + c] - peak); total += z[i * classes + c] }
            for c in 0..<classes { z[i * classes + c] /= total }
        }
        return z
    }

    /// The most probable class of each row (ties to the lower class).
    public func predict(_ x: [Float], count n: Int) throws -> [Int] {
        let p = try probabilities(x, count: n)
        return (0..<n).map { i in (0..<classes).max { p[i * classes + $0] < p[i * classes + $1] || (p[i * classes + $0] == p[i * classes + $1] && $0 > $1) } ?? 0 }
    }

    /// The fraction of rows predicted as labelled.
    public func accuracy(_ x: [Float], count n: Int, labels: [Int]) throws -> Double {
        let predicted = try predict(x, count: n)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(Swift.max(n, 1))
    }

    /// The normal of the boundary between `negative` and `positive` in raw feature units:
    /// the gradient of logit[positive] − logit[negative] with respect to the raw features,
    /// (W[·, positive] − W[·, negative]) / σ. Kim et al.'s concept activation vector when
    /// positive is the concept and negative the random set.
    public func direction(from negative: Int, to positive: Int) -> [Double] {
        (0..<dimensions).map { j in (weights[j * classes + positive] - weights[j * classes + negative]) / scale[j] }
    }
}
