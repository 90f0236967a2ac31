import FuzzDriver
import LoupeCLI

/// Recipes: YAML parsing (Yams), the recipe's own keys and variables, and every step's
/// options through the CLI's parser and validation, as `loupe run --check` does.
@_cdecl("FuzzRecipe_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        _ = try? Loupe.checkRecipe(String(decoding: bytes, as: UTF8.self), file: "fuzz.yaml")
    }
}
