import Annotate
import Lower
import Prune
import Reports
import RustBTF
import Sanitize
import Testing
import TypeGraph

// Each pass's reasons: the sentence each case reads as (goldens hold the sentences; the corpus
// checks them all), the pattern --stats counts root causes by, and a library user's own reason
// type, which the graph records and the reports print as the standard passes' own.
@Suite struct ReasonTests {
  @Test func casesReadAsTheirSentences() {
    #expect(DemoteUnrepresentable.Reason.noBTFKind(tag: DWARFTag.variantPart).sentence == "DW_TAG_variant_part has no BTF kind")
    #expect(
      PruneDependents.Reason.memberOpaque(.anonymous(byte: 16), bytes: 8, namedAs: "__opaque_16").sentence
        == "member (anon)@16 has no BTF type; kept as 8 opaque bytes named '__opaque_16'")
    #expect(
      SanitizeNames.Reason.qualified(.all, alsoInvalid: true).sentence
        == "not a valid BTF identifier; qualified by its namespace path (qualify=all)")
    let e = LowerRust.Reason.LoweredEnum(
      discriminant: .init(name: "discriminant", byte: 0, type: .enumeration(bytes: 8)),
      variants: [.init(name: "A", value: .value(3)), .init(name: "B", value: .anyOther)],
      dropped: [.init(name: "x", byte: 4)])
    // Recorded, the reason reads the same (`description` is the sentence).
    #expect(
      "\(AnyDecisionReason(LowerRust.Reason.dataCarryingEnum(e)))"
        == """
        data-carrying enum: discriminant 'discriminant' at byte 0, a 8-byte ENUM64; variants A = 3, B = any other value as members of \
        an anonymous union; variant members not at offset 0 dropped: x@4
        """
    )
  }

  /// Names in quotes and numbers are left out, wording kept, as the report always counted.
  @Test func thePatternLeavesOutWhatVariesPerNode() {
    #expect(
      PruneDependents.Reason.memberPastEnd(.named("data"), typeBytes: 4).pattern
        == "member '…' ends past the end of the N-byte type; dropped")
    #expect(
      DemoteUnrepresentable.Reason.wideEnumMappedToInt(bytes: 16).pattern
        == "enumeration of N bytes mapped to a N-byte INT (BTF enums are N, N, N or N bytes)")
    #expect(
      PruneDependents.Reason.memberPastEnd(.named("a"), typeBytes: 4).pattern
        == PruneDependents.Reason.memberPastEnd(.named("b"), typeBytes: 8).pattern)
    #expect(
      DemoteUnrepresentable.Reason.noBTFKind(tag: DWARFTag.variantPart).pattern
        != DemoteUnrepresentable.Reason.noBTFKind(tag: DWARFTag.variant).pattern)
    // A library user's fixed sentence counts as it reads.
    #expect(AnyDecisionReason(.custom("static linkage, 2 'x'")).pattern == "static linkage, 2 'x'")
  }

  /// Codes name the cause (the case), whatever its values; a recorded reason equals the pass's
  /// own value and no other pass's.
  @Test func codesAndEqualityOfRecordedReasons() {
    #expect(PruneDependents.Reason.memberPastEnd(.named("a"), typeBytes: 4).code == "memberPastEnd")
    #expect(SelectSymbols.Reason.noSymbol.code == "noSymbol")
    #expect(TagKfuncs.Reason.kfuncTagged(fastcall: true).code == "kfuncTagged")
    #expect(StructurallyEqual().code == "structurallyEqual" && CustomReason("x").code == "custom")
    let recorded = AnyDecisionReason(SelectSymbols.Reason.prototypeOfPruned)
    #expect(recorded == SelectSymbols.Reason.prototypeOfPruned)
    #expect(recorded != SelectSymbols.Reason.noSymbol)
    #expect(recorded != TagKfuncs.Reason.prototypeReplaced)
    #expect(recorded.as(SelectSymbols.Reason.self) == .prototypeOfPruned && recorded.as(TagKfuncs.Reason.self) == nil)
    #expect(AnyDecisionReason(recorded) == recorded && AnyDecisionReason(recorded).base is SelectSymbols.Reason)
  }

  // MARK: A library user's reasons

  /// A reason type of a pass outside rustbtf, with values in its sentence.
  enum SizeLimitReason: WordedReason {
    case overLimit(name: String, bytes: UInt32, limit: UInt32)
    var pieces: [ReasonPiece] {
      switch self {
      case .overLimit(let name, let bytes, let limit):
        [.text("struct "), .name(name), .text(" has \(bytes) bytes, over the \(limit)-byte limit")]
      }
    }
  }

  /// Demotes Rust structs larger than `limit` bytes, giving its own reason.
  struct DemoteLargeStructs: Pass {
    static let name = "demote-large-structs"
    static let summary = "demote Rust structs over a size limit"
    static let descriptor = PassDescriptor(DemoteLargeStructs.self) { params in
      try params.checkKnown([])
      return DemoteLargeStructs()
    }
    var limit: UInt32 = 8
    mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
      var changed = false
      for id in graph.ids where graph.kind(id) == .structure && graph.flags(id).contains(.rust) && graph.size(id) > limit {
        let reason = SizeLimitReason.overLimit(name: graph.nameString(id), bytes: graph.size(id), limit: limit)
        graph.demote(id, pass: Self.name, reason: reason)
        changed = true
      }
      return changed ? .changed : .unchanged
    }
  }

  /// The graph records the user's reason as it is; `--explain` and `--stats` (Reports) print its
  /// sentence, and `--stats` counts its pattern.
  @Test func aLibraryUsersReasonIsRecordedExplainedAndCounted() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let big = b.structure("Big", bytes: 16, [("a", u32, 0), ("b", u32, 96)])
    let huge = b.structure("Huge", bytes: 32, [("a", u32, 0)])
    let small = b.structure("Small", bytes: 4, [("a", u32, 0)])
    StatsTests.rust(&b, [u32, big, huge, small])
    var registry = StandardPasses.registry
    try registry.register(DemoteLargeStructs.descriptor)
    let pipeline = try PassPipeline(
      parsing: "demote-unrepresentable,demote-large-structs,sanitize-names,prune-dependents,dedup", registry: registry)
    let result = try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()], retentionReport: true)
      .run(graph: b.graph, inputName: "test")
    let g = result.graph

    let d = try #require(g.decisions.latest(for: big).map { g.decisions[$0] })
    #expect(d.pass == DemoteLargeStructs.name && d.action == .demoted)
    #expect(d.reason == SizeLimitReason.overLimit(name: "Big", bytes: 16, limit: 8))
    #expect(d.reason.as(SizeLimitReason.self) == .overLimit(name: "Big", bytes: 16, limit: 8))
    #expect(d.reason.code == "overLimit")

    let text = Explanation(graph: g).text(filter: ExplainFilter(names: ["Big"]))
    #expect(text.contains("by demote-large-structs: struct 'Big' has 16 bytes, over the 8-byte limit"), "\(text)")

    let report = try #require(result.retention)
    let entry = try StatsTests.entry(report, "demo::Big")
    #expect(entry.status == .pruned && entry.reason?.text == "struct 'Big' has 16 bytes, over the 8-byte limit")
    // Both demotions count as one cause.
    #expect(
      report.topReasons.contains { $0.reason == "demote-large-structs: struct '…' has N bytes, over the N-byte limit" && $0.count == 2 },
      "\(report.topReasons)")
    #expect(try StatsTests.entry(report, "demo::Small").status == .complete)
  }
}
