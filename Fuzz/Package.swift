// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets, one per parser of untrusted input, kept out of the main build and
// tests. Build and run them with `make fuzz` (scripts/fuzz.sh): every target is compiled
// with -sanitize=fuzzer,address, so libFuzzer's driver is linked in and AddressSanitizer turns
// memory errors into crashes. Each target feeds its bytes to the same entry point the
// CLI uses and only requires that it returns or throws.
let targets = ["FuzzZipPth", "FuzzLegacyPth", "FuzzSafeTensors", "FuzzSpec", "FuzzPNG", "FuzzJPEG", "FuzzIDX",
               "FuzzRecipe", "FuzzSweepRecords"]
// Beyond LoupeTensor, LoupeData and LoupeNN, which every target links.
let extra: [String: [String]] = ["FuzzRecipe": ["LoupeCLI"], "FuzzSweepRecords": ["LoupeAttack"]]

let package = Package(
    name: "LoupeFuzz",
    platforms: [.macOS(.v13)],
    products: targets.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(name: "Loupe", path: "..")],
    targets: [
        // libFuzzer's driver and the limits every target parses under.
        .target(name: "FuzzDriver", dependencies: [.product(name: "LoupeTensor", package: "Loupe")]),
    ] + targets.map { name in
        .executableTarget(name: name, dependencies: [
            "FuzzDriver", .product(name: "LoupeNN", package: "Loupe"), .product(name: "LoupeData", package: "Loupe"),
            .product(name: "LoupeTensor", package: "Loupe"),
        ] + (extra[name] ?? []).map { .product(name: $0, package: "Loupe") }, path: "Sources/\(name)",
        // SwiftPM links an executable's entry point as `<target>_main` (then `main` by
        // --defsym), so libFuzzer's `main` is never pulled from its archive: each target
        // defines `<target>_main` and hands the command line to libFuzzer's driver.
        swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    },
    swiftLanguageModes: [.v5]
)
