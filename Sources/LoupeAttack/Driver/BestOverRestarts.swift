/// Per sample, the best result over random restarts: a success over a failure, else
/// the higher loss.
struct BestOverRestarts {
    private(set) var x: [Float]
    private(set) var step: [Int?]
    private var success: [Bool]
    private var loss: [Float]
    private let d: Int

    init(_ x0: [Float], samples n: Int) {
        (x, d) = (x0, x0.count / Swift.max(n, 1))
        step = Array(repeating: nil, count: n)
        success = Array(repeating: false, count: n)
        loss = Array(repeating: -.infinity, count: n)
    }

    /// Whether sample i has a successful iterate.
    func succeeded(_ i: Int) -> Bool { success[i] }

    /// Sample i of a restart's batch `candidate`, kept if it beats what is kept.
    mutating func offer(_ i: Int, from candidate: [Float], success s: Bool, loss l: Float, step first: Int?) {
        guard s && !success[i] || (s == success[i] && l > loss[i]) else { return }
        for j in i * d..<(i + 1) * d { x[j] = candidate[j] }
        (success[i], loss[i], step[i]) = (s, l, first)
    }
}
