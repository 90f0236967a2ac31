import ArgumentParser
import Foundation
import LoupeVis

struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Which pixels drove a class score: saliency, SmoothGrad, Integrated Gradients, the CAM family, occlusion, LIME, KernelSHAP, RISE.",
        discussion: helpText("""
        Methods: \(AttributionRegistry.standard.methods.map { "\($0.name), \($0.summary)" }.joined(separator: "; ")).
        Comma-separate several or say all. The score is the target's logit; the target defaults
        to the top-1 class.

        Units: gradients are taken with respect to the input pixels in [0, 1], before the
        model's own normalization, so saliency is logit per unit of pixel value (a full 0→255
        swing) and gradxinput, ig and occlusion are in logit units. The CAM family (gradcam,
        gradcampp, cam, hirescam, layercam, scorecam, ablationcam, eigencam) works at --layer
        and is upsampled to the input. Each map's raw values are written beside its PNG as
        METHOD.npy (float32, [height, width], numpy.load reads it); result.json gives their
        units and the value range the PNG's colors span.

        --sanity runs Adebayo et al.'s cascading randomization test: the model's layers are
        randomized from the top down and each map is compared with the original by Spearman rank
        correlation of absolute values, over --sanity-runs independent draws of the random
        weights; the verdict rests on the mean over draws, and their spread is reported. A
        method that passes changes its map; one that fails (guided backprop is known to) shows
        the image more than the model.

        --metrics (default fast) scores every map: deletion and insertion AUC (Petsiuk et al.
        2018, pixels moved to --substrate in the map's order), ROAD MoRF/LeRF at 10…90% (Rong
        et al. 2022, noisy linear imputation) and infidelity (Yeh et al. 2019), all forward
        passes of perturbed copies in --batch-size batches; all adds max-sensitivity (the
        method re-run on draws within --sensitivity-radius) and the sanity check. Every score
        is the target's logit.

        --images FOLDER|LIST compares the methods over many images (a folder: every PNG and JPEG
        in it; a list: image paths separated by commas): every map is scored, and one table of
        methods × metrics gives each metric's mean over the images with its 95% Student
        t-interval (mean ± t(0.975, n−1)·s/√n) and ranks the methods by their mean rank. The
        page draws the mean deletion and insertion curves and a row of maps per image with their
        scores; result.json holds every image's metrics and the summary. With --method all,
        methods that cannot apply to the model (cam without a global-average-pool + linear head,
        the CAM family without a spatial layer) are skipped and the reason is printed.

        Examples:
          loupe attribute ~/.cache/loupe/photos/chelsea.png --method gradcam \\
              --target tabby
          loupe attribute coffee.png --method saliency,ig,gradcam --sanity
          loupe attribute chelsea.png --method cam,scorecam,eigencam --layer head
          loupe attribute chelsea.png --method ig --integration gausslegendre \\
              --steps 32
          loupe attribute chelsea.png --method occlusion --patch 32 --stride 8 \\
              --fill gray
          loupe attribute chelsea.png --method lime,kernelshap --segments 50 \\
              --compactness 10 --samples 1000
          loupe attribute chelsea.png --method rise --mask-grid 7 --samples 4000
          loupe attribute chelsea.png --method saliency,gradcam --metrics all
          loupe attribute --images ~/.cache/loupe/photos --method all \\
              --metrics all --json
          loupe attribute --images chelsea.png,coffee.png \\
              --method saliency,ig,gradcam
        """))

    @Argument(help: "PNG or JPEG image (or --images for many).") var image: String?
    @Option(help: "Compare the methods over many images: a folder (every PNG and JPEG in it) or a comma-separated list of images.")
    var images: [String] = []

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Methods, comma-separated, or all.") var method: MethodList
    @Option(help: "Class index or name (default: the model's top-1 class).") var target: String?
    @Option(help: "Layer of the CAM family (default: the last layer with a spatial map).") var layer: String?
    @Option(help: "Samples: SmoothGrad's noisy copies (default 50), LIME's and KernelSHAP's perturbations (1000), RISE's masks (4000).")
    var samples: Int?
    @Option(help: "SmoothGrad noise σ as a fraction of the image's value range.") var sigma: Float = 0.15
    @Option(help: "Integrated Gradients steps: intervals of the trapezoidal rule (uniform, adaptive) or Gauss–Legendre nodes.")
    var steps = 64
    @Option(help: "IG's rule for the path integral: adaptive (trapezoids, the grid refined where the logit changes fastest), uniform (the paper's equal steps) or gausslegendre.")
    var integration = Integration.adaptive
    @Option(help: "IG and Score-CAM baseline: \(Baseline.forms).") var baseline = Baseline.black
    @Option(help: "Occlusion patch side in pixels.") var patch = 32
    @Option(help: "Occlusion stride in pixels.") var stride = 16
    @Option(help: "Occlusion and RISE fill: \(Baseline.forms).") var fill = Baseline.gray
    @Option(help: "LIME and KernelSHAP: about this many SLIC superpixels.") var segments = 50
    @Option(help: "SLIC compactness: higher gives squarer superpixels, lower ones that follow colour edges.") var compactness: Float = 10
    @Option(help: "What a superpixel switched off shows: \(SegmentFill.forms).") var segmentFill = SegmentFill.mean
    @Option(help: "RISE: masks on an N×N grid.") var maskGrid = 7
    @Option(help: "RISE: the probability that a mask cell shows the image.") var maskProbability: Float = 0.5
    @Option(help: "Images per forward/backward pass.") var batchSize = 8
    @Option(help: "Colormap for magnitude maps.") var colormap = MagnitudeColormap.inferno
    @Flag(help: "Run the cascading model-parameter randomization test for each method.") var sanity = false
    @Option(help: "Randomize at most this many layer groups from the top (default: all).") var sanityLayers: Int?
    @Option(help: "Independent draws of the random weights in the sanity check.") var sanityRuns = 5
    @Option(help: "Faithfulness metrics on every map: none, fast (deletion, insertion, ROAD, infidelity) or all (adds max-sensitivity and --sanity).")
    var metrics = FaithfulnessSettings.Level.fast
    @Option(help: "What deletion removes pixels to and insertion starts from: \(Baseline.forms).") var substrate = Baseline.blur(sigma: 5)
    @Option(help: "Points on the deletion and insertion curves, less one.") var metricSteps = 100
    @Option(help: "Infidelity's Gaussian draws.") var metricSamples = 64
    @Option(help: "Max-sensitivity's draws (each re-runs the method).") var sensitivitySamples = 10
    @Option(help: "Max-sensitivity's L∞ radius, in [0, 1] pixel units.") var sensitivityRadius: Float = 0.02
    @Option(help: "Random seed (SmoothGrad noise, LIME, KernelSHAP and RISE samples, randomization).") var seed: UInt64 = 0

    @OptionGroup var output: OutputOptions

    var settings: AttributionSettings {
        var s = AttributionSettings()
        (s.methods, s.target, s.layer, s.samples, s.sigma, s.steps) = (method.names, target, layer, samples, sigma, steps)
        (s.integration, s.baseline, s.patch, s.stride, s.fill, s.batchSize) = (integration, baseline, patch, stride, fill, batchSize)
        (s.segments, s.compactness, s.segmentFill, s.maskGrid, s.maskProbability) = (segments, compactness, segmentFill, maskGrid, maskProbability)
        (s.colormap, s.sanity, s.sanityLayers, s.sanityRuns, s.seed) = (colormap, sanity, sanityLayers, sanityRuns, seed)
        (s.metrics.level, s.metrics.substrate, s.metrics.steps) = (metrics, substrate, metricSteps)
        (s.metrics.infidelitySamples, s.metrics.sensitivitySamples, s.metrics.sensitivityRadius) = (metricSamples, sensitivitySamples, sensitivityRadius)
        return s
    }

    func validate() throws {
        if image != nil && !images.isEmpty { throw ValidationError("give one image or --images, not both") }
        if image == nil && images.isEmpty { throw ValidationError("give an image, or --images FOLDER|LIST to compare methods over many") }
        try settings.validate()
    }

    func run() throws {
        guard let image else { return try compare() }
        let model = try modelOptions.loadAllowingRandomWeights(quiet: output.quiet)
        var bars: [String: ProgressBar] = [:]
        let attribution = try Attribution.run(image: image, model: model, settings: settings) { event in
            switch event {
            case let .method(name, target, className): note("\(name) for \(target) (\(className))…", quiet: output.quiet)
            case let .metrics(name): note("metrics of \(name)…", quiet: output.quiet)
            case let .sanity(name, done, total):
                let bar = bars[name] ?? ProgressBar("sanity \(name)", total: total, quiet: output.quiet)
                bars[name] = bar
                bar.update(done)
            }
        }
        try withRunFolder("attribute", output) {
            try AttributionReport.write(attribution, to: $0, command: OutputOptions.commandLine)
        } show: { line in
            if output.json { try printJSON(line) }
        }
    }

    /// `--images`: every method on every image, one table of methods × metrics with
    /// t-intervals (on stderr with --json, whose stdout stays pure JSON), one page.
    func compare() throws {
        let paths = try ImageSet.paths(images)
        let model = try modelOptions.loadAllowingRandomWeights(quiet: output.quiet)
        var bar: ProgressBar?
        try withRunFolder("attribute", output) { folder in
            let result = try AttributionComparison.run(
                images: paths, model: model, settings: settings, everyMethod: method.all,
                progress: { event in
                    switch event {
                    case let .skipped(name, reason): note("skipping \(name): \(reason)", quiet: output.quiet)
                    case let .method(name, image, done, total):
                        bar = bar ?? ProgressBar("attribute", total: total, quiet: output.quiet)
                        bar?.update(done, status: "\(name) on \((image as NSString).lastPathComponent)")
                    case let .finished(total): bar?.update(total)
                    }
                },
                each: { row, attribution in try ComparisonReport.writeImage(row, attribution, to: folder) })
            return (result, try ComparisonReport.write(result, to: folder, command: OutputOptions.commandLine))
        } show: { result, line in
            if output.json {
                note(result.textTable, quiet: output.quiet)
                try printJSON(line)
            } else if !output.quiet {
                print(result.textTable)
            }
        }
    }
}
