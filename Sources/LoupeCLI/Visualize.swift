import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
import LoupeVis

struct Visualize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Feature visualization: optimize an image to excite a filter, neuron or class.",
        discussion: helpText("""
        Objectives: LAYER:CHANNEL (mean of a channel), neuron:LAYER:CHANNEL[:X:Y], deepdream:LAYER,
        class:INDEX or "class:NAME" (logit), prob:NAME (probability), and weighted sums such as
        "blocks.8:12 - 0.5*blocks.8:3". Defaults are Lucid's: Fourier parameterization with color
        decorrelation, standard transforms, Adam lr 0.05, 512 steps at 128 px.

        Examples:
          loupe visualize --objective blocks.8:12
          loupe visualize --objective blocks.8 --channels 0-15 --steps 256
          loupe visualize --objective "class:giant panda" --size 224
          loupe visualize --model fashion.safetensors --objective class:Sneaker \\
              --size 28
          loupe visualize --objective blocks.8:12 --alpha  (transparent: RGBA PNGs)
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "What to maximize (see above). Repeat it to optimize several images in one batch.")
    var objective: [String]

    @Option(help: "Visualize these channels of the objective's layer, one per batch item: 0-15 or 3,7,9.")
    var channels: String?

    @Option(help: "Image parameterization: fft (Fourier, 1/f scaled) or pixel.")
    var param = "fft"

    @Option(help: "Spectrum decay power of the Fourier parameterization.")
    var decay: Float = 1

    @Flag(help: "Do not decorrelate colors.")
    var noDecorrelate = false

    @Option(help: "Optimization steps.")
    var steps = 512

    @Option(help: "Image side in pixels.")
    var size = 128

    @Option(help: "Learning rate.")
    var lr: Float = 0.05

    @Option(help: "Optimizer: adam or sgd.")
    var optimizer = "adam"

    @Option(help: "standard (Lucid's pad/jitter/scale/rotate) or none.")
    var transforms = "standard"

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

    @Option(help: "Images per objective (with --diversity).")
    var batch = 1

    @Option(help: "Weight of the diversity term across the batch.")
    var diversity: Float = 0

    @Option(help: "Also save images at these steps: 32,128.")
    var snapshots: String?

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if objective.isEmpty { throw ValidationError("give at least one --objective") }
        if !["fft", "pixel"].contains(param) { throw ValidationError("--param must be fft or pixel") }
        if !["adam", "sgd"].contains(optimizer) { throw ValidationError("--optimizer must be adam or sgd") }
        if !["standard", "none"].contains(transforms) { throw ValidationError("--transforms must be standard or none") }
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if size < 8 { throw ValidationError("--size must be at least 8") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if !(lr > 0) { throw ValidationError("--lr must be positive") }
        if let alphaPenalty {
            if !alpha { throw ValidationError("--alpha-penalty needs --alpha") }
            if !(alphaPenalty >= 0 && alphaPenalty <= 1) { throw ValidationError("--alpha-penalty must be a weight in 0…1") }
        }
    }

    func run() throws {
        let model = try modelOptions.load()
        let bases = try objective.map { try Objective.parse($0, model: model) }
        var objectives = try channels.map { c in try parseChannels(c).flatMap { ch in bases.map { $0.withChannel(ch) } } } ?? bases
        objectives = objectives.flatMap { Array(repeating: $0, count: batch) }

        var settings = VisualizationSettings()
        settings.steps = steps
        settings.size = size
        settings.learningRate = lr
        settings.optimizer = optimizer == "sgd" ? .sgd : .adam
        settings.basis = param == "pixel" ? .pixel : .fourier(decay: decay)
        settings.decorrelate = !noDecorrelate
        settings.transforms = transforms == "none" ? [] : Transform.standard
        settings.regularizers = [Regularizer.l1(l1), .totalVariation(tv), .blur(blur), .frequency(freq, cutoff: freqCutoff)]
            .filter { $0.weight != 0 }
        settings.diversity = diversity
        settings.snapshots = try snapshots.map(parseList) ?? []
        settings.seed = seed
        settings.alpha = alpha
        settings.alphaPenalty = alphaPenalty ?? Transparency.defaultPenalty

        let bar = ProgressBar("visualize", total: steps, quiet: output.quiet)
        let result = try Visualizer(model: model).run(objectives, settings: settings) { step, value in
            bar.update(step, status: String(format: "objective %.3f", value))
        }
        // With alpha, quality is measured on the picture over uniform gray (Transparency.qualityBackground).
        let opaque = try result.opaqueImages()
        let reference = try referenceImages(for: model, quiet: output.quiet)
        let comparisons = try reference.map {
            try Quality.activationRatios(model: model, objectives: objectives, visualizations: opaque, reference: $0)
        }
        let ratios = comparisons?.map(\.ratio) ?? Array(repeating: nil, count: objectives.count)
        let targets = objectives.map(\.targetClass)
        var probabilities = [Float?](repeating: nil, count: objectives.count)
        if targets.allSatisfy({ $0 != nil }) {
            let p = try Quality.classProbability(model: model, images: opaque, targets: targets.compactMap { $0 }, seed: seed)
            probabilities = p.map { $0 }
        }
        let channels = model.preset.channels
        let meanAlpha = try alpha ? Transparency.split(result.images, channels: channels).alpha.mean(axes: [1, 2, 3]).scalars : []
        // What the sheet shows: transparent images over Lucid's checkerboard, so the grid stays opaque.
        func shown(_ t: Tensor) throws -> [Image] {
            try Image.images(from: alpha ? try Transparency.onCheckerboard(t, channels: channels) : t)
        }

        try withRunFolder("visualize", output) { folder in
            let images = try Image.images(from: alpha ? try Transparency.rgba(result.images, channels: channels) : result.images)
            var units: [[String: Any]] = []
            var cells: [(String, String)] = []
            for (i, image) in images.enumerated() {
                let name = String(format: "unit-%02d.png", i)
                let factor = max(1, 128 / max(image.width, image.height))
                let enlarged = alpha ? try image.scaledNearest(by: factor) : try ImageGrid.enlarged(image, toAtLeast: 128)
                try folder.write(Data(try enlarged.pngData()), to: name)
                let label = objectives[i].description + (targets[i].map { " (\(model.preset.labels[$0]))" } ?? "")
                cells.append((name, label + ratioCaption(comparisons?[i])
                              + (probabilities[i].map { String(format: " · p %.2f", $0) } ?? "")))
                var unit: [String: Any] = [
                    "objective": objectives[i].description, "image": folder.finalPath(name),
                    "final_objective": Double(result.finalObjective[i]),
                    "activation_ratio": ratios[i].map { Double($0) as Any } ?? NSNull(),
                    "class_probability": probabilities[i].map { Double($0) as Any } ?? NSNull(),
                ]
                if alpha { unit["mean_alpha"] = Double(meanAlpha[i]) }
                units.append(unit)
            }
            let sheet = try ImageGrid.make(try shown(result.images), columns: min(8, images.count), cell: max(size, 112))
            try folder.write(Data(try sheet.pngData()), to: "contact-sheet.png")
            for (step, snap) in result.snapshots where step != steps {
                let sheet = try ImageGrid.make(try shown(snap), columns: min(8, images.count), cell: max(size, 112))
                try folder.write(Data(try sheet.pngData()), to: "snapshot-\(step).png")
            }
            let summary: [String: Any] = [
                "command": OutputOptions.commandLine, "model": model.name, "seed": seed,
                "settings": ["steps": steps, "size": size, "lr": Double(lr), "param": param, "decay": Double(decay),
                             "decorrelate": !noDecorrelate, "transforms": transforms, "l1": Double(l1), "tv": Double(tv),
                             "blur": Double(blur), "freq": Double(freq), "batch": batch, "diversity": Double(diversity),
                             "alpha": alpha, "alpha_penalty": alpha ? Double(settings.alphaPenalty) : NSNull(),
                             // The uniform gray that final_objective, activation_ratio and class_probability composite over.
                             "quality_background": alpha ? Double(Transparency.qualityBackground) : NSNull()],
                "units": units.enumerated().map { i, u in
                    u.merging([
                        "objective_per_step": result.objectivePerStep[i].map(Double.init),
                        // The denominator of activation_ratio, so a null ratio explains itself.
                        "reference_max": comparisons.map { Double($0[i].referenceMax) as Any } ?? NSNull(),
                    ]) { a, _ in a }
                },
            ]
            try folder.writeJSON(summary)

            var page = HTMLPage(title: "Feature visualization · \(model.name) · \(objective.joined(separator: ", "))")
            page.paragraph("Each image was optimized to maximize its objective. The activation ratio compares the "
                           + "unit's activation on the picture with its strongest response to real reference images "
                           + "(when that maximum is not positive there is no ratio: both numbers are shown instead); "
                           + "class probability is the model's mean confidence under 8 random transforms."
                           + (alpha ? " The images are transparent (RGBA); both numbers are measured on them over uniform "
                                      + "gray 0.5, and the contact sheet shows them over a checkerboard." : ""))
            page.imageGrid(cells.map { (path: $0.0, caption: $0.1) }, pixelated: model.preset.inputSize < 64)
            page.svg(SVGPlot(title: "Objective per step", xLabel: "step", yLabel: "objective",
                             series: objectives.indices.prefix(8).map { i in
                                 SVGPlot.Series(name: objectives[i].description,
                                                points: result.objectivePerStep[i].enumerated().map { (Double($0.offset + 1), Double($0.element)) })
                             }).render())
            if result.snapshots.count > 1 {
                page.heading("Snapshots")
                page.imageGrid(result.snapshots.filter { $0.step != steps }.map { (path: "snapshot-\($0.step).png", caption: "step \($0.step)") })
            }
            page.link("contact sheet", to: "contact-sheet.png")
            page.reproduce(OutputOptions.commandLine + (OutputOptions.commandLine.contains("--seed") ? "" : " --seed \(seed)"))
            try folder.write(page.render(), to: "index.html")
            if output.json { try printJSON(["run": folder.url.path, "units": units]) }
        }
    }
}

/// The activation ratio for a caption; with a non-positive reference maximum there is
/// no ratio, but the picture may still beat every reference image.
func ratioCaption(_ comparison: Quality.ActivationComparison?) -> String {
    guard let comparison else { return "" }
    if let ratio = comparison.ratio { return String(format: " · ratio %.2f", ratio) }
    return String(format: " · %.2f vs reference max %.2f", comparison.visualization, comparison.referenceMax)
}

/// "0-15" or "3,7,9" (or a mix) as channel numbers.
func parseChannels(_ text: String) throws -> [Int] {
    var out: [Int] = []
    for part in text.split(separator: ",") {
        let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        switch bounds.count {
        case 1 where bounds[0] != nil: out.append(bounds[0]!)
        case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]!: out += Array(bounds[0]!...bounds[1]!)
        default: throw ValidationError("cannot read channels '\(part)': write 0-15 or 3,7,9")
        }
    }
    guard !out.isEmpty, out.allSatisfy({ $0 >= 0 }) else { throw ValidationError("no channels in '\(text)'") }
    return out
}

/// "32,128" as integers.
package func parseList(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map {
        guard let v = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("'\($0)' is not a number") }
        return v
    }
}

/// Real images to compare activations with: the skimage photos for ImageNet models,
/// the Fashion-MNIST test set for 28×28 grayscale models; nil when neither applies.
func referenceImages(for model: Model, quiet: Bool) throws -> Tensor? {
    if model.preset.labels == imageNetLabels {
        let photos = Assets.photoFiles()
        guard !photos.isEmpty else { note("no reference photos (run `make assets`): activation ratios omitted", quiet: quiet); return nil }
        return try Tensor.concat(photos.map { try model.input(from: try Image.load(path: $0)) }, axis: 0)
    }
    if model.preset.channels == 1 && model.preset.inputSize == 28 {
        guard let test = try? IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: "test") else { return nil }
        return try test.batch(Array(0..<test.count)).images
    }
    return nil
}
