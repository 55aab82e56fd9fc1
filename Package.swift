// swift-tools-version:6.0
import PackageDescription

// Dependency direction (enforced by the target graph):
//   CDwarf  <- TypeGraph <- {Lower, Sanitize, Prune, Encode} <- Verify <- rustbtf
// TypeGraph holds the graph, the DWARF importer (the only code that calls libdw), the pass
// protocol and the pipeline. Lower, Sanitize and Prune hold passes and never import each other.
// Encode owns every BTF wire detail; Verify mirrors the kernel's checks and loads BTF into the
// running kernel (through CBPF, the only code that calls bpf(2)).
let package = Package(
  name: "rustbtf",
  products: [
    .library(name: "TypeGraph", targets: ["TypeGraph"]),
    .library(name: "Lower", targets: ["Lower"]),
    .library(name: "Sanitize", targets: ["Sanitize"]),
    .library(name: "Prune", targets: ["Prune"]),
    .library(name: "Encode", targets: ["Encode"]),
    .library(name: "Verify", targets: ["Verify"]),
    .library(name: "RustBTF", targets: ["RustBTF"]),
    .executable(name: "rustbtf", targets: ["rustbtf"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "CDwarf", path: "Sources/CDwarf", pkgConfig: "libdw",
      providers: [.apt(["libdw-dev", "libelf-dev", "pkg-config"])]),
    .target(name: "CBPF", path: "Sources/CBPF"),
    .target(name: "TypeGraph", dependencies: ["CDwarf"]),
    .target(name: "Lower", dependencies: ["TypeGraph"]),
    .target(name: "Sanitize", dependencies: ["TypeGraph"]),
    .target(name: "Prune", dependencies: ["TypeGraph"]),
    .target(name: "Encode", dependencies: ["TypeGraph"]),
    .target(name: "Verify", dependencies: ["Encode", "CBPF"]),
    // The umbrella library: the standard pass registry and the whole ELF -> BTF job, so that
    // the CLI and library users run exactly the same code.
    .target(name: "RustBTF", dependencies: ["CDwarf", "TypeGraph", "Lower", "Sanitize", "Prune", "Encode", "Verify"]),
    .executableTarget(
      name: "rustbtf",
      dependencies: [
        "RustBTF", "TypeGraph", "Sanitize", "Encode", "Verify",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // scripts/fuzz-verify.sh: the offline validator against the running kernel on mutated BTF.
    .executableTarget(
      name: "rustbtf-fuzz-verify", dependencies: ["RustBTF", "Encode", "Verify"], path: "Tools/FuzzVerify"),
    // scripts/fuzz.sh: libFuzzer targets (a replayer when built without -DRUSTBTF_FUZZ).
    .executableTarget(
      name: "rustbtf-fuzz", dependencies: ["RustBTF", "TypeGraph", "Encode", "Verify"], path: "Tools/Fuzz"),
    // scripts/bench.sh: the DWARF import alone, fast vs public sibling walk.
    .executableTarget(name: "rustbtf-import-bench", dependencies: ["TypeGraph"], path: "Tools/ImportBench"),
    .testTarget(
      name: "RustBTFTests",
      dependencies: ["RustBTF", "TypeGraph", "Lower", "Sanitize", "Prune", "Encode", "Verify"],
      path: "Tests/RustBTFTests"),
  ]
)
