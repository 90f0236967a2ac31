import Foundation

/// `result.json` of a recipe run: the steps finished so far, each with the command it
/// stands for, its folder and its time.
struct RecipeResult: Codable {
    struct Step: Codable {
        var name: String
        /// The single command the step ran (what reproduces it alone).
        var command: String
        var folder: String
        var seconds: Double
    }

    var name: String
    var recipe: String
    var command: String
    var completed: Int
    var total: Int
    var seconds: Double
    var steps: [Step]
}
