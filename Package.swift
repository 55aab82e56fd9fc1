// swift-tools-version:6.0
import PackageDescription

// Dependency direction (enforced by the target graph):
//   CDwarf <- TypeGraph <- {Lower, Sanitize, Prune, Merge, Annotate}   (the pass targets)
//             TypeGraph <- Encode <- Verify -> CBPF
//             TypeGraph <- Reports
//   all of the above <- RustBTF <- rustbtf (Sources/CLI, also linking COutOfMemory)
// TypeGraph holds the graph, the DWARF importer (the only code that calls libdw), the pass
// protocol and the pipeline. The pass targets are named after what their passes do and never
// import each other: Lower rewrites DWARF constructs into BTF shapes (lower-rust,
// demote-unrepresentable), Sanitize makes names valid (sanitize-names), Prune removes what is not
// to be written (select-symbols, prune-dependents), Merge merges equal types (merge-bindgen-copies,
// dedup), Annotate adds what pahole writes beside the types (tag-kfuncs). Each pass target
// declares the reasons its passes record (`LowerRust+Reasons.swift`…); TypeGraph knows none.
// Reports reads only what the passes recorded in the graph's decision log (the reasons' text,
// the member origins), never a pass target; no pass target imports Reports, Encode or Verify.
// Encode owns every BTF wire detail; Verify mirrors the kernel's checks and loads BTF into the
// running kernel (through CBPF, the only code that calls bpf(2)).
let package = Package(
  name: "rustbtf",
  products: [
    .library(name: "TypeGraph", targets: ["TypeGraph"]),
    .library(name: "Lower", targets: ["Lower"]),
    .library(name: "Sanitize", targets: ["Sanitize"]),
    .library(name: "Prune", targets: ["Prune"]),
    .library(name: "Merge", targets: ["Merge"]),
    .library(name: "Annotate", targets: ["Annotate"]),
    .library(name: "Reports", targets: ["Reports"]),
    .library(name: "Encode", targets: ["Encode"]),
    .library(name: "Verify", targets: ["Verify"]),
    .library(name: "RustBTF", targets: ["RustBTF"]),
    .executable(name: "rustbtf", targets: ["rustbtf"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // `swift package generate-documentation` (scripts/docs.sh): DocC for the library.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
  ],
  targets: [
    .systemLibrary(
      name: "CDwarf", path: "Sources/CDwarf", pkgConfig: "libdw",
      providers: [.apt(["libdw-dev", "libelf-dev", "pkg-config"])]),
    .target(name: "CBPF", path: "Sources/CBPF"),
    // Allocation failure reported as "out of memory" (malloc & co. interposed): the executable only.
    .target(name: "COutOfMemory", path: "Sources/COutOfMemory"),
    .target(name: "TypeGraph", dependencies: ["CDwarf"]),
    .target(name: "Lower", dependencies: ["TypeGraph"]),
    .target(name: "Sanitize", dependencies: ["TypeGraph"]),
    .target(name: "Prune", dependencies: ["TypeGraph"]),
    .target(name: "Merge", dependencies: ["TypeGraph"]),
    // Annotate adds what pahole writes beside the types (tag-kfuncs: kfunc DECL_TAGs, arena
    // TYPE_TAG attributes).
    .target(name: "Annotate", dependencies: ["TypeGraph"]),
    // What became of each type, for people: the explanation (--explain, --explain-pruned) and the
    // Rust retention report (--stats), both read from the graph's decision log.
    .target(name: "Reports", dependencies: ["TypeGraph"]),
    .target(name: "Encode", dependencies: ["TypeGraph"]),
    .target(name: "Verify", dependencies: ["TypeGraph", "Encode", "CBPF"]),
    // The umbrella library: the standard pass registry and the whole ELF -> BTF job, so that
    // the CLI and library users run exactly the same code.
    .target(
      name: "RustBTF",
      dependencies: ["CDwarf", "TypeGraph", "Lower", "Sanitize", "Prune", "Merge", "Annotate", "Encode", "Verify", "Reports"]),
    .executableTarget(
      name: "rustbtf",
      dependencies: [
        "RustBTF", "TypeGraph", "Sanitize", "Encode", "Verify", "Reports", "COutOfMemory",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/CLI"),
    // scripts/fuzz-verify.sh: the offline validator against the running kernel on mutated BTF.
    .executableTarget(
      name: "rustbtf-fuzz-verify", dependencies: ["RustBTF", "Encode", "Verify"], path: "Tools/FuzzVerify"),
    // scripts/fuzz.sh: libFuzzer targets (a replayer when built without -DRUSTBTF_FUZZ).
    .executableTarget(
      name: "rustbtf-fuzz", dependencies: ["RustBTF", "TypeGraph", "Encode", "Verify"], path: "Tools/Fuzz"),
    // scripts/bench.sh: the DWARF import alone, fast vs public sibling walk.
    .executableTarget(name: "rustbtf-import-bench", dependencies: ["TypeGraph"], path: "Tools/ImportBench"),
    // Issue 19's audit: which passes depend on the copy of a type they see (Tools/OrderAudit/FINDINGS.md).
    .executableTarget(
      name: "rustbtf-order-audit", dependencies: ["RustBTF", "TypeGraph", "Merge", "Reports"], path: "Tools/OrderAudit",
      exclude: ["FINDINGS.md"]),
    // The independent layout check against llvm-dwarfdump (LayoutTests, and scripts/kernel-e2e.sh on
    // a kernel's Rust modules and vmlinux through rustbtf-layout-check).
    .target(name: "LayoutCheck", dependencies: ["RustBTF", "TypeGraph", "Encode", "Sanitize"], path: "Tools/LayoutCheck"),
    .executableTarget(name: "rustbtf-layout-check", dependencies: ["LayoutCheck"], path: "Tools/LayoutCheckTool"),
    .testTarget(
      name: "RustBTFTests",
      dependencies: [
        "RustBTF", "TypeGraph", "Lower", "Sanitize", "Prune", "Merge", "Annotate", "Encode", "Verify", "Reports", "LayoutCheck",
      ],
      path: "Tests/RustBTFTests"),
  ]
)
