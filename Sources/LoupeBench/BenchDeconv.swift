import ArgumentParser
import LoupeCLI

struct BenchDeconv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deconv",
        abstract: "DeconvNet reconstruction of one channel at VGG16's last conv layer (random weights, 224 px)."
    )

    @OptionGroup var output: BenchOutputOptions

    func run() throws {
        let r = try DeconvBenchmark.run(repetitions: output.repetitions(default: 5))
        if output.json {
            try printJSON(r.json.merging(["machine": BenchMachine.fields]) { $1 })
        } else {
            print(String(format: "deconv vgg16 %@ ch %d @%dpx: forward %.1f ms, backward %.1f ms (CPU %.1f ms on %d threads)",
                         r.layer, r.channel, r.size, r.forwardMilliseconds, r.backwardMilliseconds,
                         r.backwardCPUMilliseconds, r.threads))
        }
    }
}
