import Lower
import Merge
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
    #expect(
      p.text == "lower-rust,select-symbols,demote-unrepresentable,merge-bindgen-copies,sanitize-names,prune-dependents,tag-kfuncs,dedup")
  }

  @Test func canonicalTextParsesBack() throws {
    for text in ["all", "demote-unrepresentable,sanitize-names<max-length=128>", "demote-unrepresentable, sanitize-names, dedup", "dedup"] {
      let p = try PassPipeline(parsing: text, registry: registry)
      let again = try PassPipeline(parsing: p.text, registry: registry)
      #expect(again.text == p.text)
    }
    #expect(
      try PassPipeline(parsing: "demote-unrepresentable,sanitize-names<max-length=128>", registry: registry).text
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
    for text in [
      "demote-unrepresentable,prune-dependents,sanitize-names",
      "demote-unrepresentable,dedup,sanitize-names,prune-dependents",
    ] {
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
    // Empty parameter names (these crashed the parser once).
    for text in ["dedup<=>", "dedup<==>", "dedup<;=;>", "all<=>", "sanitize-names<=512>", "dedup< =x>"] {
      #expect(throws: PipelineError.self, "\(text)") { try PassPipeline(parsing: text, registry: registry) }
    }
  }

  /// Ordering constraints are declared once, on the pass type, and hold however the pipeline
  /// is built: parsed, or put together in code.
  @Test func orderingIsCheckedForPipelinesBuiltInCode() throws {
    #expect(PruneDependents.requires == ["demote-unrepresentable"])
    #expect(registry.descriptor(named: "prune-dependents")?.requires == PruneDependents.requires)
    let inCode = PassPipeline([PruneDependents(), DemoteUnrepresentable(), SanitizeNames()])
    #expect(inCode.orderingProblem() == "'prune-dependents' requires 'demote-unrepresentable' earlier in the pipeline")
    #expect(throws: ConversionError.self) { try Conversion.check(inCode) }
    #expect(PassPipeline([DemoteUnrepresentable(), SanitizeNames(), PruneDependents()]).orderingProblem() == nil)
  }

  /// A pass runs once: `all` twice, or a pass `all` already holds, is refused at its column.
  @Test func aPassRunsOnce() {
    #expect(throws: PipelineError(column: 5, message: "'all' adds 'lower-rust', which is already in the pipeline; a pass runs once")) {
      try PassPipeline(parsing: "all,all", registry: registry)
    }
    #expect(throws: PipelineError(column: 5, message: "'dedup' is already in the pipeline; a pass runs once")) {
      try PassPipeline(parsing: "all,dedup", registry: registry)
    }
  }

  /// A pass a library user registers is named where they want it and is not part of `all`.
  @Test func registeredPassesAreNotPartOfAll() throws {
    var own = registry
    try own.register(PassDescriptor(name: "noop", summary: "nothing") { _ in Dedup() })
    #expect(try PassPipeline(parsing: "all", registry: own).text == (try PassPipeline(parsing: "all", registry: registry)).text)
    #expect(own.standard.map(\.name) == registry.names)
    let p = try PassPipeline(parsing: "lower-rust,noop,demote-unrepresentable", registry: own)
    #expect(p.passes.count == 3)
  }

  /// Parameter errors point at the parameter, and `,` between parameters gets a hint.
  @Test func parameterErrorsPointAtTheParameter() {
    #expect(
      throws: PipelineError(
        column: 29, message: "sanitize-names: unknown parameter 'bogus' (known: tag-original-names, qualify, max-length)")
    ) {
      try PassPipeline(parsing: "sanitize-names<qualify=all; bogus=1>", registry: registry)
    }
    #expect(throws: PipelineError(column: 22, message: "sanitize-names: parameter 'max-length=9' must be a whole number in 16...512")) {
      try PassPipeline(parsing: "dedup,sanitize-names<max-length=9>", registry: registry)
    }
    #expect(
      throws: PipelineError(
        column: 16, message: "parameters of 'sanitize-names' are separated by ';', not ',': 'max-length=128;qualify=all'")
    ) {
      try PassPipeline(parsing: "sanitize-names<max-length=128,qualify=all>", registry: registry)
    }
    #expect(throws: PipelineError(column: 16, message: "select-symbols: parameter 'functions=some' must be one of symbol, ftrace, all")) {
      try PassPipeline(parsing: "select-symbols<functions=some>", registry: registry)
    }
    #expect(throws: PipelineError(column: 16, message: "sanitize-names: parameter 'tag-original-names' takes no value")) {
      try PassPipeline(parsing: "sanitize-names<tag-original-names=yes>", registry: registry)
    }
  }

  /// When the BTF would be rejected, the error quotes the kernel's line for the type at fault and
  /// names that node by its original name, DIE and the pass that changed it last.
  @Test func aRejectionPointsAtTheNodeAtFault() throws {
    struct Spoil: Pass {
      static let name = "spoil"
      static let summary = "gives Sensor a name the kernel refuses"
      mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
        for id in graph.ids where graph.kind(id) == .structure && graph.nameString(id) == "Sensor" {
          graph.rename(id, to: graph.strings.intern("rs-Sensor"), pass: Self.name, reason: .custom("a test"))
        }
        return .changed
      }
    }
    var own = registry
    try own.register(PassDescriptor(name: Spoil.name, summary: Spoil.summary) { _ in Spoil() })
    let pipeline = try PassPipeline(parsing: "all,spoil", registry: own)
    do {
      _ = try Conversion(pipeline: pipeline).run(path: packageRoot + "/Corpus/objects/rust_enums-O0.o")
      Issue.record("BTF with an invalid name was accepted")
    } catch {
      let text = "\(error)"
      #expect(text.contains("] STRUCT rs-Sensor size=") && text.contains(" Invalid name; the type at fault: ["), "\(text)")
      #expect(text.contains("struct `rust_enums::Sensor` [die 0x") && text.contains("last changed by spoil: a test"), "\(text)")
    }
  }

  /// A seeded fuzz of the pipeline grammar: 20,000 strings over its alphabet either parse, and
  /// their canonical text parses back to itself, or fail with a `PipelineError`. A trap fails
  /// the whole test run, so any crash shows.
  @Test func parserFuzz() {
    var rng = SplitMix64(seed: 0x5eed_cafe)
    let pieces = [
      "dedup", "all", "sanitize-names", "select-symbols", "prune-dependents", "lower-rust",
      "demote-unrepresentable", "merge-bindgen-copies", "<", ">", "=", ";", ",", " ", "max-length",
      "policy", "strict", "tag-original-names", "force-collisions", "1", "-", "é", "\u{0}", "<=>",
    ]
    var parsed = 0
    for _ in 0..<20_000 {
      var text = ""
      for _ in 0..<Int(rng.next() % 9) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
      if let p = try? PassPipeline(parsing: text, registry: registry) {
        parsed += 1
        #expect((try? PassPipeline(parsing: p.text, registry: registry))?.text == p.text, "\(text)")
      }
    }
    #expect(parsed > 0, "the fuzz never produced a valid pipeline; it tests nothing")
  }
}

/// A small, fixed pseudo-random generator (SplitMix64), so fuzz runs are repeatable.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
