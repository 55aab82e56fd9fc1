import Encode
import Reports
import RustBTF
import Sanitize
import Testing
import TypeGraph
import Verify

/// A pass author's friction points with the pipeline: placing a pass in `all`, setting a
/// parameter of the pipeline's passes in code, and removing a type others refer to (`cut`).
@Suite struct PassPlacementTests {
  /// Does nothing: a pass to place.
  struct Marker: Pass {
    static let name = "marker"
    static let summary = "does nothing"
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult { .unchanged }
  }
  struct SecondMarker: Pass {
    static let name = "second-marker"
    static let summary = "does nothing either"
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult { .unchanged }
  }
  struct NeedsDedup: Pass {
    static let name = "needs-dedup"
    static let summary = "runs after dedup"
    static let requires = ["dedup"]
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult { .unchanged }
  }
  struct NeedsMarker: Pass {
    static let name = "needs-marker"
    static let summary = "runs after marker"
    static let requires = ["marker"]
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult { .unchanged }
  }

  static let standard =
    "lower-rust,select-symbols,demote-unrepresentable,merge-bindgen-copies,sanitize-names,prune-dependents,tag-kfuncs,dedup"

  func error(_ body: () throws -> Void) -> String? {
    do { try body() } catch { return "\(error)" }
    return nil
  }

  /// A pass placed at `before-pruning` joins `all` between sanitize-names and prune-dependents:
  /// no pipeline spelled out. Two passes placed at one point run in the order of the calls;
  /// `end` is after dedup; `--print-pipeline`'s text and `--list-passes`' listing show them.
  @Test func aPlacedPassJoinsAllAtItsPoint() throws {
    var registry = StandardPasses.registry
    try registry.register(PassDescriptor(Marker.self) { _ in Marker() }, placement: .beforePruning)
    try registry.register(PassDescriptor(SecondMarker.self) { _ in SecondMarker() }, placement: .beforePruning)
    try registry.register(PassDescriptor(NeedsDedup.self) { _ in NeedsDedup() }, placement: .end)
    let all = try PassPipeline(parsing: "all", registry: registry)
    #expect(
      all.text == "lower-rust,select-symbols,demote-unrepresentable,merge-bindgen-copies,sanitize-names,"
        + "marker,second-marker,prune-dependents,tag-kfuncs,dedup,needs-dedup")
    try Conversion.check(all)
    // Still nameable on its own, and once only.
    #expect(try PassPipeline(parsing: "demote-unrepresentable,marker", registry: registry).text == "demote-unrepresentable,marker")
    #expect(throws: PipelineError(column: 5, message: "'marker' is already in the pipeline; a pass runs once")) {
      try PassPipeline(parsing: "all,marker", registry: registry)
    }
    let listing = registry.listing.split(separator: "\n").map(String.init)
    #expect(listing.map { String($0.prefix { $0 != " " }) } == all.passes.map(\.name))
    #expect(listing.contains { $0.hasPrefix("marker ") && $0.hasSuffix("(in all: before-pruning)") })
    #expect(listing.contains { $0.hasPrefix("needs-dedup ") && $0.hasSuffix("(in all: end)") })
    #expect(registry.placement(of: "marker") == .beforePruning && registry.placement(of: "dedup") == nil)
    // The standard registry's listing is what it was: every pass, no placement.
    #expect(StandardPasses.registry.listing.split(separator: "\n").count == StandardPasses.registry.names.count)
    #expect(!StandardPasses.registry.listing.contains("(in all"))
  }

  /// Each named point follows the standard pass it says it follows.
  @Test func eachPointIsWhereItsNameSays() throws {
    let points: [(PassPlacement, after: String)] = [
      (.afterLowering, "lower-rust"), (.afterSymbolSelection, "select-symbols"), (.beforeNaming, "merge-bindgen-copies"),
      (.beforePruning, "sanitize-names"), (.beforeDedup, "tag-kfuncs"), (.end, "dedup"),
    ]
    for (point, after) in points {
      var registry = StandardPasses.registry
      try registry.register(PassDescriptor(Marker.self) { _ in Marker() }, placement: point)
      let names = try PassPipeline(parsing: "all", registry: registry).passes.map(\.name)
      let i = try #require(names.firstIndex(of: "marker"))
      #expect(names[i - 1] == after, "\(point)")
      #expect(names.filter { $0 != "marker" } == Self.standard.split(separator: ",").map(String.init))
    }
  }

  /// A placement before a pass the placed pass requires is refused (all would not parse), and
  /// so is a placement requiring a pass outside `all`; the registry is left as it was. A pass
  /// plain `register` added stays out of `all`.
  @Test func aPlacementBeforeARequiredPassIsRefused() throws {
    var registry = StandardPasses.registry
    #expect(
      error { try registry.register(PassDescriptor(NeedsDedup.self) { _ in NeedsDedup() }, placement: .beforePruning) }
        == "needs-dedup: requires 'dedup', which runs after before-pruning in 'all': place the pass after it")
    #expect(registry.descriptor(named: "needs-dedup") == nil)
    try registry.register(PassDescriptor(Marker.self) { _ in Marker() })
    #expect(try PassPipeline(parsing: "all", registry: registry).text == Self.standard)
    #expect(
      error { try registry.register(PassDescriptor(NeedsMarker.self) { _ in NeedsMarker() }, placement: .end) }
        == "needs-marker: requires 'marker', which is not part of 'all': register the pass without a placement and name it in the pipeline")
    // Duplicate names and unknown requires are refused with a placement too.
    #expect(
      error { try registry.register(PassDescriptor(name: "dedup", summary: "x") { _ in Marker() }, placement: .end) }
        == "dedup: a pass named 'dedup' is already registered")
    #expect(
      error {
        try registry.register(
          PassDescriptor(name: "x", summary: "x") { _ in Marker() }, placement: PassPlacement(name: "nowhere", anchor: .after("dedupe")))
      }
        == "x: placement 'nowhere' follows 'dedupe', which is not a standard pass of this registry")
    // A pass that cannot be made without parameters cannot join `all`.
    #expect(
      error {
        try registry.register(
          PassDescriptor(name: "needs-a-value", summary: "x") { p in
            throw PassError(pass: p.pass, parameter: "n", message: "parameter 'n' is required")
          }, placement: .end)
      } == "needs-a-value: cannot join 'all', which gives it no parameters: needs-a-value: parameter 'n' is required")
    #expect(try PassPipeline(parsing: "all", registry: registry).text == Self.standard)
  }

  /// `--tag-original-names` sets a parameter of the pipeline's sanitize-names in code, typed:
  /// no pipeline text is rewritten, and a pipeline without the pass is left as it was.
  @Test func configureSetsAParameterOfThePipelinesPasses() throws {
    var p = try PassPipeline(
      parsing: "demote-unrepresentable,sanitize-names<qualify=all;max-length=64>,prune-dependents",
      registry: StandardPasses.registry)
    #expect(p.configure(SanitizeNames.self) { $0.tagOriginalNames = true } == 1)
    #expect(p.text == "demote-unrepresentable,sanitize-names<tag-original-names;qualify=all;max-length=64>,prune-dependents")
    var none = try PassPipeline(parsing: "demote-unrepresentable", registry: StandardPasses.registry)
    #expect(none.configure(SanitizeNames.self) { $0.tagOriginalNames = true } == 0)
    #expect(none.text == "demote-unrepresentable")
  }
}

/// `cut`: removing a type others refer to, at any point of the pipeline.
@Suite struct CutTests {
  static let input = packageRoot + "/Corpus/objects/c_types-O0.elf"

  /// Removes the C struct `point` from the BTF, which `union value`, `struct numbers`'s
  /// `pts[2][2]`, the typedef `point_t` and pointers refer to. `how` says with which operation.
  struct DropPoint: Pass {
    enum How: String { case cut, demote, prune }
    static let name = "drop-point"
    static let summary = "remove struct point"
    var how: How
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
      guard let point = graph.ids.first(where: { graph.kind($0) == .structure && graph.nameString($0) == "point" }) else {
        return .unchanged
      }
      switch how {
      case .cut: graph.cut(point, pass: Self.name, reason: .custom("no points wanted"))
      case .demote: graph.demote(point, pass: Self.name, reason: .custom("no points wanted"))
      case .prune: graph.prune(point, pass: Self.name, reason: .custom("no points wanted"))
      }
      return .changed
    }
  }

  static func convert(_ how: DropPoint.How, at placement: PassPlacement, verifyEach: Bool = true) throws -> Conversion.Result {
    var registry = StandardPasses.registry
    try registry.register(PassDescriptor(DropPoint.self) { _ in DropPoint(how: how) }, placement: placement)
    let pipeline = try PassPipeline(parsing: "all", registry: registry)
    return try Conversion(pipeline: pipeline, instrumentation: verifyEach ? [VerifyEachPass()] : []).run(path: input)
  }

  static func failure(_ body: () throws -> Void) -> String {
    do { try body() } catch { return "\(error)" }
    return ""
  }

  /// Cut before prune-dependents, and after every pass (where prune-dependents has run): the
  /// holders are fixed either way, by prune-dependents' rules, each fix caused by the cut; the
  /// kernel takes the BTF. Without the repair after the pass, `end` fails (see below).
  @Test(arguments: ["before-pruning", "before-dedup", "end"])
  func aCutTypesHoldersAreFixedWhereverThePassRuns(_ point: String) throws {
    let placement: PassPlacement = point == "end" ? .end : point == "before-dedup" ? .beforeDedup : .beforePruning
    let result = try Self.convert(.cut, at: placement)
    let g = try BTFDecoder.decode(result.btf)
    #expect(!g.ids.contains { g.kind($0) == .structure && g.nameString($0) == "point" })
    // `union value`'s member `p` is opaque bytes of point's size, caused by the cut.
    let value = try #require(g.ids.first { g.kind($0) == .union && g.nameString($0) == "value" })
    let p = try #require(g.members(of: value).first { g.strings.string($0.name) == "p" })
    #expect(g.kind(p.type) == .array && g.byteSize(of: p.type) == 8)
    let graph = result.graph
    let cut = try #require((0..<graph.decisions.count).first { graph.decisions[$0].pass == "drop-point" })
    #expect(graph.decisions[cut].action == .demoted && graph.cutsAwaitingRepair.isEmpty)
    let fixes = (0..<graph.decisions.count).filter { graph.decisions[$0].cause == cut }.map { graph.decisions[$0] }
    #expect(fixes.contains { $0.pass == "prune-dependents" && $0.action == .replacedByOpaque }, "\(fixes)")
    #expect(BTFValidator.validate(result.btf).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(failure)") }
  }

  /// Pruning a referenced type is caught after the pass, and the message says to `cut` it.
  @Test func pruningAReferencedTypeNamesCutAsTheFix() throws {
    let verified = Self.failure { _ = try Self.convert(.prune, at: .beforePruning) }
    #expect(
      verified.contains("references removed node") && verified.contains("pruned by drop-point")
        && verified.contains("should `cut` it"), "\(verified)")
    let encoded = Self.failure { _ = try Self.convert(.prune, at: .beforePruning, verifyEach: false) }
    #expect(encoded.contains("refers to removed node") && encoded.contains("should `cut` it"), "\(encoded)")
  }

  /// A plain demotion after every pass leaves its holders unfixed: the conversion refuses, and
  /// the message blames the pass that demoted the type, not the holder the kernel complains
  /// about.
  @Test func aDemotionAfterAllBlamesTheDemotingPass() throws {
    let message = Self.failure { _ = try Self.convert(.demote, at: .end) }
    #expect(message.contains("leaves BTF the kernel would reject"), "\(message)")
    #expect(message.contains("demoted by drop-point: no points wanted") && message.contains("`cut`"), "\(message)")
  }
}
