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

@Suite struct GuideExampleTests {
  static func registry() -> PassRegistry {
    var registry = StandardPasses.registry
    registry.register(PrefixRustStructs.descriptor)
    return registry
  }

  @Test func theGuidesPassRunsRecordsAndRoundTrips() throws {
    let pipeline = try PassPipeline(parsing: "all,prefix-rust-structs<prefix=rust_>", registry: Self.registry())
    #expect(pipeline.text.hasSuffix(",dedup,prefix-rust-structs<prefix=rust_>"))
    #expect(try PassPipeline(parsing: pipeline.text, registry: Self.registry()).text == pipeline.text)
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

  @Test func theGuidesParameterErrorPointsAtTheParameter() {
    #expect(throws: PipelineError(column: 25, message: "prefix-rust-structs: parameter 'prefix=a-b' must be letters, digits or '_'")) {
      try PassPipeline(parsing: "all,prefix-rust-structs<prefix=a-b>", registry: Self.registry())
    }
  }
}
