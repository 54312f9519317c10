// swift-tools-version:6.0
// NanoChat: nanochat's GPT trainer for CPUs, in Swift. No package dependencies:
// OpenBLAS, Open MPI and libzstd come in as system libraries.
import PackageDescription
import Foundation

let env = ProcessInfo.processInfo.environment

// MPI is optional: skipped when NANOCHAT_NO_MPI=1 or when Open MPI's pkg-config file is absent,
// so a laptop without Open MPI still builds a single-process trainer.
let mpiPC = ["/usr/lib/x86_64-linux-gnu/pkgconfig/ompi-c.pc", "/usr/lib/aarch64-linux-gnu/pkgconfig/ompi-c.pc",
             "/usr/lib/pkgconfig/ompi-c.pc", "/opt/homebrew/lib/pkgconfig/ompi-c.pc", "/usr/local/lib/pkgconfig/ompi-c.pc"]
let useMPI = env["NANOCHAT_NO_MPI"] != "1" && mpiPC.contains { FileManager.default.fileExists(atPath: $0) }

// AVX2/FMA code generation for the SIMD8 kernels (x86-64-v3); NANOCHAT_PORTABLE=1 turns it off.
var cpuFlags: [String] = []
#if arch(x86_64)
if env["NANOCHAT_PORTABLE"] != "1" { cpuFlags = ["-Xcc", "-march=x86-64-v3"] }
#endif

// Release builds use -O: bounds checks and preconditions stay in the binaries users run and in CI, so an
// internal invariant that breaks stops with a message instead of corrupting memory. (Input validation is
// thrown NanoChatErrors either way.) NANOCHAT_UNCHECKED=1 builds with -Ounchecked instead; whether that is
// worth it (> 3% of training throughput) is measured with dev/bench.sh and recorded in dev/LOG.md.
let optimization = env["NANOCHAT_UNCHECKED"] == "1" ? "-Ounchecked" : "-O"
// NANOCHAT_INCREMENTAL=1 (development only): per-file release builds, so an edit recompiles only what it touches.
let moduleMode = env["NANOCHAT_INCREMENTAL"] == "1" ? ["-no-whole-module-optimization"] : ["-wmo"]

// BLAS: OpenBLAS on Linux; on macOS Math/BLAS.swift imports Accelerate instead (no OpenBLAS needed).
var libDeps: [Target.Dependency] = [.target(name: "CBLAS", condition: .when(platforms: [.linux])), "CZstd", "CKernels"]
var libDefines: [SwiftSetting] = []
if useMPI { libDeps.append("CMPI"); libDefines.append(.define("NANOCHAT_MPI")) }

var targets: [Target] = [
    // MARK: - C libraries
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
    .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                   providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
    // MARK: - C kernels: loops Swift's SIMD types compile poorly (AVX-512 picked at run time, no FMA contraction)
    .target(name: "CKernels", path: "Sources/CKernels",
            cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"] + cpuFlags.filter { $0 != "-Xcc" }, .when(configuration: .release))]),

    // MARK: - The library
    .target(name: "NanoChat", dependencies: libDeps, path: "Sources/NanoChat",
            swiftSettings: libDefines + [.unsafeFlags([optimization] + moduleMode + cpuFlags, .when(configuration: .release))]),

    // MARK: - Thin executables
    .executableTarget(name: "base_train", dependencies: ["NanoChat"], path: "Sources/base_train"),
    .executableTarget(name: "base_eval", dependencies: ["NanoChat"], path: "Sources/base_eval"),
    .executableTarget(name: "chat_sft", dependencies: ["NanoChat"], path: "Sources/chat_sft"),
    .executableTarget(name: "chat_eval", dependencies: ["NanoChat"], path: "Sources/chat_eval"),
    .executableTarget(name: "tok_train", dependencies: ["NanoChat"], path: "Sources/tok_train"),
    .executableTarget(name: "tok_eval", dependencies: ["NanoChat"], path: "Sources/tok_eval"),
    .executableTarget(name: "chat_rl", dependencies: ["NanoChat"], path: "Sources/chat_rl"),
    .executableTarget(name: "dataset", dependencies: ["NanoChat"], path: "Sources/dataset"),
    .executableTarget(name: "chat_cli", dependencies: ["NanoChat"], path: "Sources/chat_cli"),
    .executableTarget(name: "chat_web", dependencies: ["NanoChat"], path: "Sources/chat_web"),
    .executableTarget(name: "report", dependencies: ["NanoChat"], path: "Sources/report"),

    // MARK: - Benchmarks (outside the library: dev/bench.sh, dev/infer_bench.sh)
    .target(name: "CBenchKernels", path: "Sources/CBenchKernels",
            cSettings: [.unsafeFlags(["-O3"] + cpuFlags.filter { $0 != "-Xcc" }, .when(configuration: .release))]),
    .target(name: "NanoChatBench", dependencies: ["NanoChat", "CBenchKernels"], path: "Sources/NanoChatBench",
            swiftSettings: [.unsafeFlags([optimization] + moduleMode + cpuFlags, .when(configuration: .release))]),
    .executableTarget(name: "bench", dependencies: ["NanoChat", "NanoChatBench"], path: "Sources/bench"),
    .executableTarget(name: "infer_bench", dependencies: ["NanoChat", "NanoChatBench"], path: "Sources/infer_bench"),

    // MARK: - Tests
    .testTarget(name: "NanoChatTests", dependencies: ["NanoChat"], path: "Tests/NanoChatTests",
                exclude: ["Fixtures"]),
]
if useMPI {
    targets.append(.systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                                  providers: [.apt(["libopenmpi-dev", "openmpi-bin"]), .brew(["open-mpi"])]))
}

let package = Package(
    name: "NanoChat",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "NanoChat", targets: ["NanoChat"]),
        .executable(name: "base_train", targets: ["base_train"]),
        .executable(name: "base_eval", targets: ["base_eval"]),
        .executable(name: "chat_sft", targets: ["chat_sft"]),
        .executable(name: "chat_eval", targets: ["chat_eval"]),
        .executable(name: "tok_train", targets: ["tok_train"]),
        .executable(name: "tok_eval", targets: ["tok_eval"]),
        .executable(name: "chat_rl", targets: ["chat_rl"]),
        .executable(name: "dataset", targets: ["dataset"]),
        .executable(name: "chat_cli", targets: ["chat_cli"]),
        .executable(name: "chat_web", targets: ["chat_web"]),
        .executable(name: "report", targets: ["report"]),
        .executable(name: "bench", targets: ["bench"]),
        .executable(name: "infer_bench", targets: ["infer_bench"]),
    ],
    targets: targets,
    // Swift 5 language mode: numeric kernels share raw buffers across threads by design; strict
    // Sendable checking would force wrappers everywhere without adding safety here.
    swiftLanguageModes: [.v5]
)
