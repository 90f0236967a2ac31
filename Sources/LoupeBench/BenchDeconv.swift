import ArgumentParser
import LoupeCLI

struct BenchDeconv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deconv",
        abstract: "DeconvNet reconstruction of one channel at VGG16's last conv layer (random weights, 224 px)."
    )

    @Flag(help: "Print one JSON object instead of a line.")
    var json = false

    @Option(help: "Timed repetitions (the minimum is reported).")
    var repetitions = 5

    func validate() throws {
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1") }
    }

    func run() throws {
        let r = try DeconvBenchmark.run(repetitions: repetitions)
        if json {
            try printJSON(r.json)
        } else {
            print(String(format: "deconv vgg16 %@ ch %d @%dpx: forward %.1f ms, backward %.1f ms (CPU %.1f ms on %d threads)",
                         r.layer, r.channel, r.size, r.forwardMilliseconds, r.backwardMilliseconds,
                         r.backwardCPUMilliseconds, r.threads))
        }
    }
}
