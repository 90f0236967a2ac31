/// A 2-D Barnes–Hut tree over the map's points: each cell keeps its centre of mass and
/// count, so a far cell's repulsion is one term (van der Maaten 2014, §4.2).
struct QuadTree {
    struct Node {
        var cx, cy, half: Double        // the cell: centre and half side
        var mx = 0.0, my = 0.0          // centre of mass of the points below
        var count = 0
        var firstChild = -1             // the four children are consecutive nodes; −1 for a leaf
        var point = -1                  // a leaf's point (the first, if several coincide)
    }

    private(set) var nodes: [Node] = []
    /// Deeper than this, coinciding points share a leaf instead of splitting forever.
    static let maxDepth = 40

    init(_ y: [Double]) {
        let n = y.count / 2
        var (x0, x1, y0, y1) = (Double.infinity, -Double.infinity, Double.infinity, -Double.infinity)
        for i in 0..<n {
            (x0, x1) = (Swift.min(x0, y[2 * i]), Swift.max(x1, y[2 * i]))
            (y0, y1) = (Swift.min(y0, y[2 * i + 1]), Swift.max(y1, y[2 * i + 1]))
        }
        let half = Swift.max(x1 - x0, y1 - y0, 1e-12) / 2 * (1 + 1e-6)
        nodes.reserveCapacity(4 * n)
        nodes.append(Node(cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, half: half))
        for i in 0..<n { insert(i, y[2 * i], y[2 * i + 1]) }
    }

    private mutating func insert(_ i: Int, _ px: Double, _ py: Double) {
        var at = 0, depth = 0
        while true {
            if nodes[at].firstChild < 0 {
                if nodes[at].count == 0 {
                    (nodes[at].mx, nodes[at].my, nodes[at].count, nodes[at].point) = (px, py, 1, i)
                    return
                }
                if depth >= Self.maxDepth { addMass(at, px, py); return }
                // Split the leaf and move what it holds (one point, or coinciding ones) down a level.
                let (rx, ry, count, resident) = (nodes[at].mx, nodes[at].my, nodes[at].count, nodes[at].point)
                split(at)
                let child = nodes[at].firstChild + quadrant(at, rx, ry)
                (nodes[child].mx, nodes[child].my, nodes[child].count, nodes[child].point) = (rx, ry, count, resident)
                nodes[at].point = -1
            }
            addMass(at, px, py)
            at = nodes[at].firstChild + quadrant(at, px, py)
            depth += 1
        }
    }

    private mutating func addMass(_ at: Int, _ px: Double, _ py: Double) {
        let c = Double(nodes[at].count)
        nodes[at].mx = (nodes[at].mx * c + px) / (c + 1)
        nodes[at].my = (nodes[at].my * c + py) / (c + 1)
        nodes[at].count += 1
    }

    private mutating func split(_ at: Int) {
        let (cx, cy, h) = (nodes[at].cx, nodes[at].cy, nodes[at].half / 2)
        nodes[at].firstChild = nodes.count
        for (dx, dy) in [(-1.0, -1.0), (1, -1), (-1, 1), (1, 1)] { nodes.append(Node(cx: cx + dx * h, cy: cy + dy * h, half: h)) }
    }

    private func quadrant(_ at: Int, _ px: Double, _ py: Double) -> Int {
        (px < nodes[at].cx ? 0 : 1) + (py < nodes[at].cy ? 0 : 2)
    }

    /// Nodes a traversal can have waiting: at most 3 per level below the root, plus the root's 4.
    static let stackCapacity = 3 * (maxDepth + 2) + 4

    /// Calls `body` with a repulsion evaluator over this tree that reads the nodes through a
    /// pointer and keeps its own stack: the inner loop of every t-SNE step, so no bounds
    /// checks or array growth in it.
    func withRepulsion<R>(_ body: (Repulsion) throws -> R) rethrows -> R {
        let stack = UnsafeMutablePointer<Int>.allocate(capacity: Self.stackCapacity)
        defer { stack.deallocate() }
        return try nodes.withUnsafeBufferPointer { try body(Repulsion(nodes: $0, stack: stack)) }
    }

    struct Repulsion {
        let nodes: UnsafeBufferPointer<Node>
        let stack: UnsafeMutablePointer<Int>

        /// Σⱼ≠ᵢ qᵢⱼZ and Σⱼ≠ᵢ (qᵢⱼZ)²(yᵢ − yⱼ) for the point at (px, py), cells whose side over
        /// distance is below θ taken whole (unnormalised Student-t kernel qZ = 1/(1 + d²)).
        func callAsFunction(_ px: Double, _ py: Double, theta: Double) -> (sum: Double, fx: Double, fy: Double) {
            var (sum, fx, fy) = (0.0, 0.0, 0.0)
            let theta2 = theta * theta
            var top = 1
            stack[0] = 0
            while top > 0 {
                top -= 1
                let node = nodes[stack[top]]
                if node.count == 0 { continue }
                let (dx, dy) = (px - node.mx, py - node.my)
                let d2 = dx * dx + dy * dy
                let side = 2 * node.half
                if node.firstChild < 0 || side * side < theta2 * d2 {
                    // A leaf holding the point itself (d = 0) adds nothing: its own term is
                    // excluded, and points coinciding with it push with zero force.
                    if d2 == 0 { continue }
                    let q = 1 / (1 + d2), mass = Double(node.count)
                    sum += mass * q
                    fx += mass * q * q * dx
                    fy += mass * q * q * dy
                } else {
                    for c in 0..<4 { stack[top + c] = node.firstChild + c }
                    top += 4
                }
            }
            return (sum, fx, fy)
        }
    }
}
