import ArgumentParser
import LoupeNN
import LoupeVis

struct Visualize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Feature visualization: optimize an image to excite a filter, neuron or class.",
        discussion: helpText("""
        Objectives: LAYER:CHANNEL (mean of a channel), neuron:LAYER:CHANNEL[:X:Y], deepdream:LAYER,
        class:INDEX or "class:NAME" (logit), prob:NAME (probability), and weighted sums such as
        "blocks.8:12 - 0.5*blocks.8:3". Defaults are Lucid's: Fourier parameterization with color
        decorrelation, standard transforms, Adam lr 0.05, 512 steps at 128 px.

        --prior FILE adds, for each objective, a prototype under a generator prior (Nguyen et al.
        2016): the code z of a VAE trained by `loupe train --arch fashion-vae` is optimized (Adam,
        --prior-steps, with --prior-l2·‖z‖² keeping z near the prior) so that the decoded image
        maximizes the objective. The page shows it beside the pixel prototype (made at the VAE's
        28 px unless --size says otherwise), with class probabilities and the L2 distance to the
        nearest training image of each. The default model is then fashion-cnn: pass a trained
        one with --model.

        Examples:
          loupe visualize --objective blocks.8:12
          loupe visualize --objective blocks.8 --channels 0-15 --steps 256
          loupe visualize --objective "class:giant panda" --size 224
          loupe visualize --model fashion.safetensors --objective class:Sneaker \\
              --size 28
          loupe visualize --objective blocks.8:12 --alpha  (transparent: RGBA PNGs)
          loupe visualize --prior vae.safetensors --objective class:Sneaker \\
              --model fashion.safetensors
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "What to maximize (see above). Repeat it to optimize several images in one batch.")
    var objective: [String]

    @Option(help: "Visualize these channels of the objective's layer, one per batch item: 0-15 or 3,7,9.")
    var channels: ChannelList?

    @Option(help: "Image parameterization: Fourier (1/f scaled) or pixels.") var param = Parameterization.fft
    @Option(help: "Spectrum decay power of the Fourier parameterization.") var decay: Float = 1
    @Flag(help: "Do not decorrelate colors.") var noDecorrelate = false
    @Option(help: "Optimization steps.") var steps = 512
    @Option(help: "Image side in pixels (default 128; 28 with --prior).") var size: Int?
    @Option(help: "Learning rate.") var lr: Float = 0.05
    @Option(help: "Optimizer.") var optimizer = Trainer.OptimizerKind.adam

    @Option(help: "Random transforms: standard (Lucid's pad/jitter/scale/rotate) or none.")
    var transforms = TransformSet.standard

    @Option(help: "L1 penalty weight (distance from gray).") var l1: Float = 0
    @Option(help: "Total-variation penalty weight.") var tv: Float = 0
    @Option(help: "Blur penalty weight.") var blur: Float = 0
    @Option(help: "High-frequency energy penalty weight.") var freq: Float = 0
    @Option(help: "Cutoff of the frequency penalty, cycles per pixel.") var freqCutoff: Float = 0.25

    @Flag(help: ArgumentHelp(
        "Optimize an alpha channel too (Lucid's transparent visualizations).",
        discussion: "Every step the colours are composited over a fresh random background, so only opaque parts can "
            + "drive the unit, and the objective is multiplied by 1 − W·(mean opacity). Unit images are saved as RGBA "
            + "PNGs; the contact sheet shows them over a checkerboard; quality numbers use the image over gray 0.5."))
    var alpha = false

    @Option(help: "Transparency penalty weight W in 0…1 with --alpha (default 1, Lucid's; 0 leaves opacity free).")
    var alphaPenalty: Float?

    @Option(help: "Images per objective (with --diversity).") var batch = 1
    @Option(help: "Weight of the diversity term across the batch.") var diversity: Float = 0
    @Option(help: "Also save images at these steps: 32,128.") var snapshots: IntList?
    @Option(help: "Random seed.") var seed: UInt64 = 0

    @Option(help: "Generator checkpoint (loupe train --arch fashion-vae): also optimize its latent code per objective.")
    var prior: String?
    @Option(help: "Latent optimization steps with --prior.") var priorSteps = GeneratorPrior.Settings().steps
    @Option(help: "Learning rate of the latent optimization.") var priorLr = GeneratorPrior.Settings().lr
    @Option(help: "Weight λ of the λ·‖z‖² penalty keeping the code near the prior (0: off).") var priorL2 = GeneratorPrior.Settings().l2

    @OptionGroup var output: OutputOptions

    var settings: VisualizeSettings {
        var s = VisualizeSettings()
        (s.objectives, s.channels, s.param, s.decay, s.decorrelate) = (objective, channels?.channels, param, decay, !noDecorrelate)
        (s.steps, s.size, s.lr, s.optimizer, s.transforms) = (steps, size ?? (prior == nil ? 128 : ConvVAE.imageSize), lr, optimizer, transforms)
        (s.l1, s.tv, s.blur, s.freq, s.freqCutoff) = (l1, tv, blur, freq, freqCutoff)
        (s.alpha, s.alphaPenalty, s.batch, s.diversity) = (alpha, alphaPenalty ?? s.alphaPenalty, batch, diversity)
        (s.snapshots, s.seed) = (snapshots?.values ?? [], seed)
        s.prior = prior
        (s.priorSettings.steps, s.priorSettings.lr, s.priorSettings.l2) = (priorSteps, priorLr, priorL2)
        return s
    }

    func validate() throws {
        if alphaPenalty != nil && !alpha { throw ValidationError("--alpha-penalty needs --alpha") }
        try settings.validate()
    }

    func run() throws {
        // The generator first: a bad --prior file is named before the model is even read.
        let generator = try prior.map { try GeneratorPrior.load(path: $0, limits: try modelOptions.limits) }
        let model = try modelOptions.load(default: prior == nil ? "efficientnet-lite0" : "fashion-cnn")
        let bar = ProgressBar("visualize", total: steps, quiet: output.quiet)
        var priorBar: ProgressBar?
        let run = try FeatureVisualization.run(model: model, settings: settings, generator: generator) { event in
            switch event {
            case let .step(step, value): bar.update(step, status: String(format: "objective %.3f", value))
            case let .priorStep(step, value):
                priorBar = priorBar ?? ProgressBar("generator prior", total: priorSteps, quiet: output.quiet)
                priorBar?.update(step, status: String(format: "objective %.3f", value))
            case let .note(text): note(text, quiet: output.quiet)
            }
        }
        try withRunFolder("visualize", output) {
            try VisualizeReport.write(run, to: $0, command: OutputOptions.commandLine)
        } show: { line in
            if output.json { try printJSON(line) }
        }
    }
}
