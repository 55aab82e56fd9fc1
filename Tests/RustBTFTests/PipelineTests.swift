import Prune
import RustBTF
import Sanitize
import Testing
import TypeGraph
import Verify

@Suite struct PipelineTests {
  let registry = StandardPasses.registry

  @Test func allExpandsToRegistryOrder() throws {
    let p = try PassPipeline(parsing: "all", registry: registry)
    #expect(p.text == "lower-rust,select-symbols,demote-unrepresentable,merge-bindgen-copies,sanitize-names,prune-dependents,dedup")
  }

  @Test func canonicalTextParsesBack() throws {
    for text in ["all", "demote-unrepresentable,sanitize-names<max-length=128>", "demote-unrepresentable, sanitize-names, dedup", "dedup"] {
      let p = try PassPipeline(parsing: text, registry: registry)
      let again = try PassPipeline(parsing: p.text, registry: registry)
      #expect(again.text == p.text)
    }
    #expect(try PassPipeline(parsing: "demote-unrepresentable,sanitize-names<max-length=128>", registry: registry).text
      == "demote-unrepresentable,sanitize-names<max-length=128>")
  }

  @Test func unknownPassNamesColumnAndNearestName() {
    #expect(throws: PipelineError(column: 24, message: "unknown pass 'dedupe' (did you mean 'dedup'?)")) {
      try PassPipeline(parsing: "demote-unrepresentable,dedupe", registry: registry)
    }
  }

  @Test func misplacedPassIsRefusedBeforeRunning() {
    #expect(throws: PipelineError(column: 1, message: "'prune-dependents' requires 'demote-unrepresentable' earlier in the pipeline")) {
      try PassPipeline(parsing: "prune-dependents,demote-unrepresentable", registry: registry)
    }
  }

  /// A pipeline the parser accepts but that cannot give valid BTF is refused before it runs,
  /// naming the pass it lacks; with the three validity passes in any accepted order, the
  /// output is valid.
  @Test func pipelinesWithoutTheValidityPassesAreRefusedBeforeRunning() throws {
    let lacking = try PassPipeline(parsing: "demote-unrepresentable,prune-dependents,dedup", registry: registry)
    #expect(throws: ConversionError.self) { try Conversion.check(lacking) }
    do { try Conversion.check(lacking) } catch { #expect("\(error)".contains("lacks 'sanitize-names'")) }
    for text in ["demote-unrepresentable,prune-dependents,sanitize-names",
                 "demote-unrepresentable,dedup,sanitize-names,prune-dependents",
                 "all,all"] {
      let p = try PassPipeline(parsing: text, registry: registry)
      try Conversion.check(p)
      let r = try Conversion(pipeline: p).run(path: packageRoot + "/Corpus/objects/rust_layout-O0.o")
      #expect(BTFValidator.validate(r.btf).isEmpty, "\(text)")
    }
  }

  @Test func badParameters() {
    #expect(throws: PipelineError.self) { try PassPipeline(parsing: "sanitize-names<max-length=9999>", registry: registry) }
    #expect(throws: PipelineError.self) { try PassPipeline(parsing: "sanitize-names<colour=red>", registry: registry) }
    #expect(throws: PipelineError.self) { try PassPipeline(parsing: "sanitize-names<max-length=12", registry: registry) }
    #expect(throws: PipelineError.self) { try PassPipeline(parsing: "dedup,,", registry: registry) }
    #expect(throws: PipelineError.self) { try PassPipeline(parsing: "", registry: registry) }
  }
}
