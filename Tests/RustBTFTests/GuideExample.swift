import Encode
import Foundation
import Reports
import RustBTF
import Testing
import TypeGraph
import Verify

// A pass written from PASSES.md's "Writing a pass" alone: it prefixes the names of Rust structs,
// with the prefix a parameter. The test checks what the guide promises of it.

// BEGIN GUIDE EXAMPLE
struct PrefixRustStructs: Pass {
  static let name = "prefix-rust-structs"
  static let summary = "prefix the names of Rust structs"
  static let descriptor = PassDescriptor(PrefixRustStructs.self, parameterHelp: "prefix=TEXT (default rs_)") { params in
    try params.checkKnown(["prefix"])
    let prefix = params.string("prefix") ?? "rs_"
    guard !prefix.isEmpty, prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
      throw PassError(pass: name, parameter: "prefix", message: "parameter 'prefix=\(prefix)' must be letters, digits or '_'")
    }
    return PrefixRustStructs(prefix: prefix)
  }

  var prefix: String
  var parameterText: String { "prefix=\(prefix)" }

  mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var changed = false
    for id in graph.ids where graph.kind(id) == .structure && graph.flags(id).contains(.rust) {
      let name = graph.nameString(id)
      guard !name.isEmpty, !name.hasPrefix(prefix) else { continue }
      graph.rename(id, to: graph.strings.intern(prefix + name), pass: Self.name, reason: .custom("Rust struct, prefixed"))
      changed = true
    }
    return changed ? .changed : .unchanged
  }
}
// END GUIDE EXAMPLE

// BEGIN GUIDE RUN
func convertWithPrefix(_ input: String, to output: String) throws {
  var registry = StandardPasses.registry
  try registry.register(PrefixRustStructs.descriptor)
  let pipeline = try PassPipeline(parsing: "all,prefix-rust-structs<prefix=rust_>", registry: registry)
  print(pipeline) // the canonical pipeline text, as --print-pipeline shows it
  let result = try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()]).run(path: input)
  try writeAtomically(result.btf, to: output, input: input)
}
// END GUIDE RUN

// BEGIN GUIDE CUT
struct DropStruct: Pass {
  static let name = "drop-struct"
  static let summary = "remove the structs of a name, fixing what held them"
  static let descriptor = PassDescriptor(DropStruct.self, parameterHelp: "struct=NAME (default: none)") { params in
    try params.checkKnown(["struct"])
    return DropStruct(structName: params.string("struct") ?? "")
  }

  var structName: String
  var parameterText: String { structName.isEmpty ? "" : "struct=\(structName)" }

  mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    var changed = false
    for id in graph.ids where graph.kind(id) == .structure && !structName.isEmpty && graph.nameString(id) == structName {
      if graph.referrers(of: id).isEmpty {
        graph.prune(id, pass: Self.name, reason: .custom("struct dropped by name"))
      } else {
        // Others hold it: demote it, and let prune-dependents fix what held it.
        graph.cut(id, pass: Self.name, reason: .custom("struct dropped by name"))
      }
      changed = true
    }
    return changed ? .changed : .unchanged
  }
}

func convertWithoutPoint(_ input: String) throws -> Conversion.Result {
  var registry = StandardPasses.registry
  try registry.register(DropStruct.descriptor, placement: .beforePruning)
  var pipeline = try PassPipeline(parsing: "all", registry: registry) // …,sanitize-names,drop-struct,prune-dependents,…
  pipeline.configure(DropStruct.self) { $0.structName = "point" }
  return try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()]).run(path: input)
}
// END GUIDE CUT

@Suite struct GuideExampleTests {
  static func registry() throws -> PassRegistry {
    var registry = StandardPasses.registry
    try registry.register(PrefixRustStructs.descriptor)
    return registry
  }

  @Test func theGuidesPassRunsRecordsAndRoundTrips() throws {
    let pipeline = try PassPipeline(parsing: "all,prefix-rust-structs<prefix=rust_>", registry: try Self.registry())
    #expect(pipeline.text.hasSuffix(",dedup,prefix-rust-structs<prefix=rust_>"))
    #expect(try PassPipeline(parsing: pipeline.text, registry: try Self.registry()).text == pipeline.text)
    let result = try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()])
      .run(path: corpusObject("rust_enums-O0.o"))
    let written = try BTFDecoder.decode(result.btf)
    let structs = written.ids.filter { written.kind($0) == .structure }.map { written.nameString($0) }.filter { !$0.isEmpty }
    #expect(structs.contains("rust_Sensor"), "\(structs)")
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(failure)") }
    // The renames are explained.
    let text = Explanation(graph: result.graph, importedScopes: result.importedScopes)
      .text(filter: ExplainFilter(names: ["rust_enums::Sensor"]))
    #expect(text.contains("by prefix-rust-structs: Rust struct, prefixed (now 'rust_Sensor')"), "\(text)")
  }

  /// The DocC article shows this file's pass verbatim.
  @Test func theArticleHoldsThePassVerbatim() throws {
    let source = try String(contentsOfFile: packageRoot + "/Tests/RustBTFTests/GuideExample.swift", encoding: .utf8)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    let b = try #require(lines.firstIndex { $0.contains("BEGIN GUIDE EXAMPLE") })
    let e = try #require(lines.firstIndex { $0.contains("END GUIDE EXAMPLE") })
    let pass = lines[(b + 1)..<e].joined(separator: "\n")
    let article = try String(contentsOfFile: packageRoot + "/Sources/TypeGraph/TypeGraph.docc/WritingAPass.md", encoding: .utf8)
    #expect(pass.count > 500 && article.contains("```swift\n" + pass + "\n```"))
  }

  /// The article's closing code, verbatim, writes BTF the kernel loads, with the pass applied;
  /// its `Package.swift` snippet names products this package has.
  @Test func theArticleWritesTheBTFOut() throws {
    let source = try String(contentsOfFile: packageRoot + "/Tests/RustBTFTests/GuideExample.swift", encoding: .utf8)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    let b = try #require(lines.firstIndex { $0.hasPrefix("// BEGIN GUIDE RUN") })
    let e = try #require(lines.firstIndex { $0.hasPrefix("// END GUIDE RUN") })
    let code = lines[(b + 1)..<e].joined(separator: "\n")
    let article = try String(contentsOfFile: packageRoot + "/Sources/TypeGraph/TypeGraph.docc/WritingAPass.md", encoding: .utf8)
    #expect(code.contains("writeAtomically(") && article.contains("```swift\n" + code + "\n```"))
    let manifest = try String(contentsOfFile: packageRoot + "/Package.swift", encoding: .utf8)
    let products = article.components(separatedBy: ".product(name: \"").dropFirst().map { $0.prefix { $0 != "\"" } }
    #expect(products == ["TypeGraph", "RustBTF"] && article.contains("package: \"rustbtf\")"))
    #expect(manifest.contains("name: \"rustbtf\""))
    for p in products { #expect(manifest.contains(".library(name: \"\(p)\""), "\(p)") }

    let dir = NSTemporaryDirectory() + "guide-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let output = dir + "/out.btf"
    try convertWithPrefix(corpusObject("rust_enums-O0.o"), to: output)
    let btf = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
    let written = try BTFDecoder.decode(btf)
    #expect(written.ids.contains { written.kind($0) == .structure && written.nameString($0) == "rust_Sensor" })
    if let failure = KernelBTF.acceptanceFailure(btf) { Issue.record("\(failure)") }
    #expect((try FileManager.default.contentsOfDirectory(atPath: dir)) == ["out.btf"])
  }

  /// The article's pass placed before prune-dependents cuts `struct point`, which others hold:
  /// their members become opaque bytes and the kernel loads the BTF. The article shows it verbatim.
  @Test func theArticlesCutExampleRunsPlacedBeforePruning() throws {
    let source = try String(contentsOfFile: packageRoot + "/Tests/RustBTFTests/GuideExample.swift", encoding: .utf8)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    let b = try #require(lines.firstIndex { $0.hasPrefix("// BEGIN GUIDE CUT") })
    let e = try #require(lines.firstIndex { $0.hasPrefix("// END GUIDE CUT") })
    let code = lines[(b + 1)..<e].joined(separator: "\n")
    let article = try String(contentsOfFile: packageRoot + "/Sources/TypeGraph/TypeGraph.docc/WritingAPass.md", encoding: .utf8)
    #expect(code.contains("graph.cut(") && code.contains("referrers(of:") && article.contains("```swift\n" + code + "\n```"))

    let result = try convertWithoutPoint(corpusObject("c_types-O0.elf"))
    #expect(result.summary.line.contains("demoted"), "\(result.summary.line)")
    let written = try BTFDecoder.decode(result.btf)
    #expect(!written.ids.contains { written.kind($0) == .structure && written.nameString($0) == "point" })
    let value = try #require(written.ids.first { written.kind($0) == .union && written.nameString($0) == "value" })
    #expect(written.members(of: value).contains { written.strings.string($0.name) == "p" && written.kind($0.type) == .array })
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(failure)") }
  }

  @Test func theGuidesParameterErrorPointsAtTheParameter() {
    #expect(throws: PipelineError(column: 25, message: "prefix-rust-structs: parameter 'prefix=a-b' must be letters, digits or '_'")) {
      try PassPipeline(parsing: "all,prefix-rust-structs<prefix=a-b>", registry: try Self.registry())
    }
  }
}
