// swift-tools-version:6.0
import PackageDescription

// Hot loops run on unsafe buffer pointers, so the default -O is enough; this only
// drops exclusivity checks, which cost measurable time in the kernels. The Swift code is
// built for the architecture's baseline (any x86-64 CPU runs it); the vector kernels that
// gain from AVX2 or AVX-512 live in CLoupeKernels, compiled once per instruction set and
// chosen at run time (KernelVariant).
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "Loupe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "loupe", targets: ["loupe"]),
        .library(name: "LoupeTensor", targets: ["LoupeTensor"]),
        // The parsers, for the fuzz targets in Fuzz/ (a separate package that builds them
        // with -sanitize=fuzzer,address).
        .library(name: "LoupeData", targets: ["LoupeData"]),
        .library(name: "LoupeNN", targets: ["LoupeNN"]),
        .library(name: "LoupeAttack", targets: ["LoupeAttack"]),
        .library(name: "LoupeCLI", targets: ["LoupeCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3f",
                       providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CLoupeZlib", path: "Sources/CLoupeZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // libjpeg's fatal errors unwind with longjmp, which must not cross Swift frames:
        // this C target runs the whole decode between C frames and returns a message.
        .target(name: "CJPEGShim", path: "Sources/CJPEGShim", linkerSettings: [.linkedLibrary("jpeg")]),
        // CPUID and XGETBV: which vector extensions this CPU and its OS support (the BLAS core choice).
        .target(name: "CLoupeCPU", path: "Sources/CLoupeCPU"),
        // The FMA peak loops of `loupe bench kernels`, one per vector width, for LoupeBench only.
        .target(name: "CLoupeFMAPeak", path: "Sources/CLoupeFMAPeak"),

        // Loupe's own vector kernels, one copy per instruction set (baseline, AVX2, AVX-512).
        .target(name: "CLoupeKernels", path: "Sources/CLoupeKernels"),

        .target(name: "LoupeTensor", dependencies: ["CBLAS", "CFFTW", "CLoupeCPU", "CLoupeKernels"], swiftSettings: fast),
        .target(name: "LoupeData", dependencies: ["LoupeTensor", "CPNG", "CJPEG", "CJPEGShim", "CLoupeZlib"],
                swiftSettings: fast),
        .target(name: "LoupeNN", dependencies: ["LoupeTensor", "LoupeData", "Yams", "ZIPFoundation"],
                swiftSettings: fast),
        .target(name: "LoupeReport", dependencies: ["LoupeTensor", "LoupeData"]),
        .target(name: "LoupeVis", dependencies: ["LoupeTensor", "LoupeData", "LoupeNN", "LoupeReport"],
                swiftSettings: fast),
        .target(name: "LoupeAttack", dependencies: ["LoupeTensor", "LoupeData", "LoupeNN", "LoupeReport"],
                swiftSettings: fast),
        .target(name: "LoupeCLI", dependencies: [
            "LoupeTensor", "LoupeData", "LoupeNN", "LoupeVis", "LoupeAttack", "LoupeReport", "Yams",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmarks: kernel and workload suites and the `loupe bench` commands, beside the
        // CLI so that no product target carries them.
        .target(name: "LoupeBench", dependencies: [
            "LoupeTensor", "LoupeData", "LoupeNN", "LoupeVis", "LoupeAttack", "LoupeCLI", "CLoupeFMAPeak",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "loupe", dependencies: [
            "LoupeCLI", "LoupeBench", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Shared test helpers (finite-difference gradient checks); used by test targets only.
        .target(name: "LoupeTesting", dependencies: ["LoupeTensor"], path: "Tests/LoupeTesting"),
        .testTarget(name: "LoupeTensorTests", dependencies: ["LoupeTensor", "LoupeTesting"]),
        .testTarget(name: "LoupeDataTests", dependencies: ["LoupeData", "LoupeTensor", "LoupeTesting", "CLoupeZlib"]),
        .testTarget(name: "LoupeReportTests", dependencies: ["LoupeReport"]),
        .testTarget(name: "LoupeCLITests", dependencies: ["LoupeCLI", "LoupeNN", "LoupeAttack", "LoupeTesting"]),
        .testTarget(name: "LoupeVisTests", dependencies: ["LoupeVis", "LoupeNN", "LoupeData", "LoupeReport", "LoupeTensor", "LoupeTesting"]),
        .testTarget(name: "LoupeNNTests", dependencies: ["LoupeNN", "LoupeAttack", "LoupeData", "LoupeTensor", "LoupeTesting", "ZIPFoundation"]),
        .testTarget(name: "LoupeAttackTests", dependencies: ["LoupeAttack", "LoupeNN", "LoupeData", "LoupeReport", "LoupeTensor", "LoupeTesting"]),
    ],
    swiftLanguageModes: [.v5]
)
