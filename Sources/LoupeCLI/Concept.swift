import ArgumentParser
import LoupeVis

struct ConceptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "concept",
        abstract: "Does a concept drive a class? TCAV scores with a t-test against random concept vectors.",
        discussion: helpText("""
        Learns a concept activation vector (CAV) per random set: the normal of a logistic
        regression that separates the concept's activations at LAYER from the random set's.
        The TCAV score is the fraction of the class's images whose class logit has a positive
        directional derivative along the CAV (Kim et al. 2018). The scores over the random
        sets are tested (two-sided Welch t-test) against those of random-vs-random CAVs;
        with several concepts the threshold is divided by their number (Bonferroni).

        Concepts: a folder of images, or synthetic:stripes, synthetic:dots,
        synthetic:checkerboard, synthetic:zigzag (seeded, in random colours and scales).
        Random sets: folders (one set each), or synthetic (--random-sets sets of noise).
        Class images: the class's images in --data (fashion-mnist:test by default for
        1-channel models), or photos.

        Examples:
          loupe concept --model fashion.safetensors --concept synthetic:stripes \\
              --random synthetic --class Shirt --layer 5
          loupe concept --concept synthetic:dots --concept synthetic:zigzag \\
              --random synthetic --class tabby --layer blocks.8 --data photos
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "A folder of concept images or synthetic:PATTERN (repeat for several concepts).") var concept: [String] = []
    @Option(parsing: .upToNextOption, help: "Folders of random images (one set each), or synthetic.") var random: [String] = ["synthetic"]
    @Option(help: "How many synthetic random sets.") var randomSets = 10
    @Option(help: "Images per concept and random set.") var setSize = 50
    @Option(name: .customLong("class"), help: "The class, by name or index.") var className: String
    @Option(help: "Layer whose activations the CAVs live in (see `loupe layers MODEL`).") var layer: String
    @Option(help: "The class images: a labelled data set (its images of the class) or photos.") var data: String?
    @Option(help: "At most this many class images.") var limit = 100
    @Option(help: "L2 penalty λ of the CAV classifiers, on standardized activations.") var l2 = 1e-2
    @Option(help: "Significance level before the Bonferroni division.") var alpha = 0.05
    @Option(help: "Seed of the synthetic sets.") var seed: UInt64 = 0
    @Option(help: "Images per forward pass (results do not depend on it).") var batchSize = 32

    @OptionGroup var output: OutputOptions

    var settings: ConceptSettings {
        var s = ConceptSettings()
        (s.concepts, s.random, s.randomSets, s.setSize, s.className, s.layer) = (concept, random, randomSets, setSize, className, layer)
        (s.data, s.limit, s.l2, s.alpha, s.seed, s.batchSize) = (data, limit, l2, alpha, seed, batchSize)
        return s
    }

    func validate() throws { try settings.validate() }

    func run() throws {
        let settings = settings
        let fallback = settings.data?.lowercased().hasPrefix("fashion") == true ? "fashion-cnn" : "efficientnet-lite0"
        let lab = try runLab(modelOptions, default: fallback, output: output, progress: "concept") {
            try ConceptLab.run(model: $0, settings: settings, progress: $1)
        }
        let result = try withRunFolder("concept", output) { try ConceptReport.write(lab, to: $0, command: OutputOptions.commandLine) }
        if output.json { try printJSON(result) }
    }
}
