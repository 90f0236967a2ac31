import ArgumentParser
import LoupeVis

extension EmbedMethod: ExpressibleByArgument {}
extension FeatureVectors: ExpressibleByArgument {}

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "A layer's activations over a data set, projected to 2-D (PCA or t-SNE) and drawn by class.",
        discussion: helpText("""
        Collects LAYER's activations for every image (channel means of a conv map unless
        --features flatten), projects them to 2-D and writes a run folder: scatter.svg
        coloured by class, embedding.csv, result.json, and index.html where hovering a point
        shows its image. Reports PCA's explained variance, the map's trustworthiness (Venna
        & Kaski) and the leave-one-out k-NN accuracy in the layer and in the map.

        Data: fashion-mnist[:train|:test], a folder of IDX files, an image folder (one
        subfolder per class), or photos (coloured by the model's top class).

        Examples:
          loupe embed --model fashion.safetensors --data fashion-mnist:test \\
              --layer 8 --limit 2000 --method tsne --json
          loupe embed --layer blocks.15 --data photos --neighbors 3
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Layer whose activations are embedded (see `loupe layers MODEL`).") var layer: String
    @Option(help: "fashion-mnist[:train|:test], a folder of IDX files, an image folder, or photos.")
    var data = "fashion-mnist:test"
    @Option(help: "Projection to 2-D.") var method = EmbedMethod.pca
    @Option(help: "Per image: channel means of a conv map (mean), every activation (flatten), or mean for maps (auto).")
    var features = FeatureVectors.auto
    @Option(help: "Embed only the first N images.") var limit: Int?
    @Option(help: "t-SNE perplexity (effective neighbours).") var perplexity = 30.0
    @Option(help: "t-SNE gradient steps (the first 250 exaggerated).") var iterations = 1000
    @Option(help: "t-SNE seed (the map is bit-identical for a seed).") var seed: UInt64 = 0
    @Option(help: "k of the trustworthiness and of the k-NN accuracy.") var neighbors = 10
    @Option(help: "Images per forward pass (results do not depend on it).") var batchSize = 256

    @OptionGroup var output: OutputOptions

    var settings: EmbedSettings {
        var s = EmbedSettings()
        (s.layer, s.data, s.method, s.features, s.limit) = (layer, data, method, features, limit)
        (s.perplexity, s.iterations, s.seed, s.neighbors, s.batchSize) = (perplexity, iterations, seed, neighbors, batchSize)
        return s
    }

    func validate() throws { try settings.validate() }

    func run() throws {
        let settings = settings
        let lab = try runLab(modelOptions, default: settings.defaultModel, output: output, progress: "activations") {
            try EmbedLab.run(model: $0, settings: settings, progress: $1)
        }
        let result = try withRunFolder("embed", output) { try EmbedReport.write(lab, to: $0, command: OutputOptions.commandLine) }
        if output.json { try printJSON(result) }
    }
}
