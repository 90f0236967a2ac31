import LoupeTensor

/// Hewitt & Liang's (2019) control task for images: every example gets a label drawn
/// once, uniformly over the classes, keyed by (seed, split, its index) and independent of
/// its class. A probe that scores above chance on held-out control labels would be reading
/// something other than the representation; the gap between task and control accuracy is
/// the probe's selectivity. The training accuracy on control labels shows how much the
/// probe can memorise.
public enum ControlTask {
    public enum Split: UInt64, Sendable { case train = 1, test = 2 }

    public static func labels(count: Int, classes: Int, seed: UInt64, split: Split) -> [Int] {
        let stream = RandomStream(seed: seed, key: [0x636f_6e74_726f_6c, split.rawValue])
        return (0..<count).map { Int(stream.bits(at: UInt64($0)) % UInt64(Swift.max(classes, 1))) }
    }
}
