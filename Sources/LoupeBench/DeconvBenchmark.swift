import Foundation
import LoupeNN
import LoupeTensor
import LoupeVis

/// Times a DeconvNet reconstruction of one channel at VGG16's last conv layer
/// (`features.28`, conv5_3) at 224 px with seeded random weights: the backward pass
/// runs 13 transposed convolutions, 4 switch unpoolings and 12 rectifications.
public enum DeconvBenchmark {
    public struct Result: Sendable {
        public let layer: String
        public let channel: Int
        public let size: Int
        public let forwardMilliseconds: Double
        public let backwardMilliseconds: Double
        /// CPU time of the backward summed over all threads (best repetition): on a busy
        /// machine, CPU time ÷ threads says what the wall time would be with the cores free.
        public let backwardCPUMilliseconds: Double
        public let threads: Int

        public var json: [String: Any] {
            ["layer": layer, "channel": channel, "size": size,
             "forward_ms": (forwardMilliseconds * 10).rounded() / 10,
             "backward_ms": (backwardMilliseconds * 10).rounded() / 10,
             "backward_cpu_ms": (backwardCPUMilliseconds * 10).rounded() / 10, "threads": threads]
        }
    }

    /// Best of `repetitions` after one warm-up; the forward (to the layer) and the
    /// backward (the reconstruction proper) are timed separately.
    public static func run(size: Int = 224, repetitions: Int = 5, layer: String = "features.28", seed: UInt64 = 0) throws -> Result {
        let model = try Zoo.architecture("vgg16", seed: seed)
        let image = try Tensor.randomUniform([1, 3, size, size], stream: RandomStream(seed: seed, key: [0xBE4C]))
        let deconv = Deconv(model: model)
        var forward = Double.infinity, backward = Double.infinity, cpu = Double.infinity
        var channel = 0
        for rep in 0...max(repetitions, 1) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let pass = try deconv.forward(image, layer: layer)
            let t1 = DispatchTime.now().uptimeNanoseconds
            channel = try pass.strongestChannels(k: 1)[0]
            let c2 = processCPUMilliseconds(), t2 = DispatchTime.now().uptimeNanoseconds
            _ = try pass.reconstruct([(0, channel)], keep: .map, rule: .deconvnet)
            let t3 = DispatchTime.now().uptimeNanoseconds, c3 = processCPUMilliseconds()
            if rep > 0 {
                forward = min(forward, Double(t1 - t0) / 1e6)
                backward = min(backward, Double(t3 - t2) / 1e6)
                cpu = min(cpu, c3 - c2)
            }
        }
        return Result(layer: layer, channel: channel, size: size, forwardMilliseconds: forward,
                      backwardMilliseconds: backward, backwardCPUMilliseconds: cpu, threads: KernelPolicy.current.threads)
    }

    static func processCPUMilliseconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
    }
}
