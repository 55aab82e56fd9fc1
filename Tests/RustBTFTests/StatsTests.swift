import Foundation
import LayoutCheck
import Reports
import RustBTF
import Sanitize
import Testing
import TypeGraph

/// The retention report (`RetentionReport`, `rustbtf --stats`): classes add up, opaque and
/// pruned types carry their reasons, names compare after sanitizing, anonymous members are
/// flattened, data-carrying enums are checked against `lower-rust`'s shape, the counts agree
/// with llvm-dwarfdump, and the CLI keeps standard output for the report.
@Suite struct StatsTests {
  static let keepLayout = "demote-unrepresentable,sanitize-names,prune-dependents,dedup"
  static let strict = "demote-unrepresentable,sanitize-names,prune-dependents<policy=strict>,dedup"

  static func rustCorpusFiles() throws -> [String] {
    let files = try corpusFiles().filter { ($0 as NSString).lastPathComponent.hasPrefix("rust_") }
    if files.isEmpty { throw ConversionError("no Rust corpus objects") }
    return files
  }

  static func report(_ graph: TypeGraph, pipeline text: String = "all") throws -> (RetentionReport, Conversion.Result) {
    let pipeline = try PassPipeline(parsing: text, registry: StandardPasses.registry)
    let result = try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()], retentionReport: true)
      .run(graph: graph, inputName: "test")
    return (try #require(result.retention), result)
  }

  static func entry(_ r: RetentionReport, _ name: String) throws -> RetentionReport.TypeEntry {
    try #require(r.types.first { $0.name == name }, "no entry \(name)")
  }

  /// Marks `ids` as nodes of a Rust compile unit under namespace `scope`.
  static func rust(_ b: inout GraphBuilder, _ ids: [TypeID], scope: String = "demo") {
    let s = b.name(scope)
    for id in ids {
      b.graph.setFlags(id, b.graph.flags(id).union(.rust))
      b.graph.setScope(id, s)
    }
  }

  // MARK: Corpus

  @Test(arguments: try rustCorpusFiles())
  func classesAddUpAndJSONAgrees(file: String) throws {
    let graph = try DWARFImporter.importFile(path: file)
    let snapshot = RetentionSnapshot(graph: graph)
    let (r, result) = try Self.report(graph)
    #expect(r.total > 0, "\(file): no named Rust types")
    #expect(r.total == snapshot.typeCount)
    #expect(r.count(.complete) + r.count(.opaque) + r.count(.pruned) == r.total)
    #expect(r.dataCarryingEnumsComplete <= r.dataCarryingEnums && r.dataCarryingEnums <= r.total)
    #expect(r.functions.emitted <= r.functions.withLinkageName)
    // Every Rust function the ELF file has a symbol for is a FUNC (issue 4's goal), except
    // those select-symbols' call rules report: the compiler changed how they are called
    // (DW_CC_nocall, -O2), pahole master's location rules ("(pahole: …)"), an unnamed parameter
    // (a closure's environment), or a parameter not
    // where the C calling convention puts it.
    let withSymbol = try #require(r.functions.withSymbol, "\(file): no symbol table read")
    let changedCalls = r.functions.missingReasons.filter { $0.reason.contains("DW_CC_nocall") }.reduce(0) { $0 + $1.count }
    let callRules = r.functions.missingReasons.filter {
      $0.reason.contains("DW_CC_nocall") || $0.reason.contains("(pahole: ") || $0.reason.contains("C calling convention")
        || $0.reason.contains("has no name")
    }.reduce(0) { $0 + $1.count }
    #expect(withSymbol > 0 && (r.functions.emittedWithSymbol ?? 0) + callRules >= withSymbol, "\(file): \(r.functions)")
    if file.contains("-O0") {
      #expect(changedCalls == 0 && (r.functions.emittedWithSymbol ?? 0) + callRules >= withSymbol, "\(file): \(r.functions)")
    }
    // Every function counted as not written is named with its reason, and every Rust FUNC
    // beyond those accounted for is named too.
    #expect(r.functions.missing.count == r.functions.withLinkageName - r.functions.emitted, "\(file): \(r.functions.missing)")
    #expect(r.functions.missingReasons.reduce(0) { $0 + $1.count } == r.functions.missing.count)
    #expect(
      r.functions.rustFuncsOut - r.functions.unaccountedFuncs.count == r.functions.emitted, "\(file): \(r.functions.unaccountedFuncs)")
    // Every listed type has its reason or issues; complete ones have none.
    for e in r.types {
      switch e.status {
      case .complete: #expect(e.issues.isEmpty && e.state == "kept", "\(e.name)")
      case .opaque: #expect(!e.issues.isEmpty && e.state == "kept", "\(e.name)")
      case .pruned: #expect(e.state != "kept", "\(e.name)")
      }
    }
    // Sorted by name, then size: deterministic.
    #expect(r.types.map(\.name) == r.types.map(\.name).sorted())
    // The report is off unless asked for, and asking does not change the BTF.
    let plain = try Conversion().run(graph: graph, inputName: file)
    #expect(plain.retention == nil)
    #expect(plain.btf == result.btf)

    let json = try #require(try JSONSerialization.jsonObject(with: Data(r.json(inputName: file).utf8)) as? [String: Any])
    let types = try #require(json["types"] as? [String: Int])
    #expect(types["total"] == r.total && types["complete"] == r.count(.complete))
    #expect(types["opaque"] == r.count(.opaque) && types["pruned"] == r.count(.pruned))
    #expect((json["opaque"] as? [Any])?.count == r.count(.opaque))
    #expect((json["pruned"] as? [Any])?.count == r.count(.pruned))
    #expect(json["input"] as? String == file)
  }

  /// The distinct named Rust struct, union and enum types (by qualified name and size) and
  /// their copies, counted by llvm-dwarfdump, an independent DWARF reader.
  @Test(arguments: try rustCorpusFiles().filter { $0.hasSuffix(".o") })
  func countsAgreeWithLLVMDwarfdump(file: String) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/llvm-dwarfdump") else {
      Issue.record("llvm-dwarfdump is not installed")
      return
    }
    let (distinct, copies) = try DwarfdumpTypes.count(file)
    let (r, _) = try Self.report(try DWARFImporter.importFile(path: file))
    #expect(
      r.total == distinct.count,
      "\(file): \(Set(r.types.map { "\($0.name)/\($0.bytes)" }).symmetricDifference(distinct).sorted().prefix(10))")
    #expect(r.types.reduce(0) { $0 + $1.copies } == copies)
  }

  /// The goal of the retention report on the samples made for it: every data-carrying enum
  /// (coroutine state machines included, whose variants `lower-rust` names after their structs)
  /// keeps its discriminant and variants, and unsized tails count as kept.
  @Test(arguments: ["rust_enums-O0.o", "rust_async-O0.o", "rust_layout-O0.o"])
  func everyDataCarryingEnumOfTheSamplesIsComplete(sample: String) throws {
    let (r, _) = try Self.report(try DWARFImporter.importFile(path: corpusObject(sample)))
    #expect(r.dataCarryingEnums >= 3)
    let incomplete = r.types.filter { $0.dataCarrying && $0.status != .complete }
    #expect(incomplete.isEmpty, "\(incomplete.map { "\($0.name): \($0.issues.map { "\($0.member) \($0.problem)" })" })")
    if sample == "rust_layout-O0.o" {
      #expect(try Self.entry(r, "rust_layout::Tail<[u16]>").status == .complete)
    }
  }

  /// rustc places an unsized tail (`data: [u16]`) at the end of its struct with the element's
  /// type: no size to compare, but it must still be there by name and offset.
  @Test func unsizedTailCountsByNameAndOffset() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let u16 = b.int("u16", bytes: 2)
    let tail = b.structure("Tail", bytes: 4, [("len", u32, 0), ("data", u16, 32)])
    Self.rust(&b, [u32, u16, tail])
    let (lowered, _) = try Self.report(b.graph)
    #expect(try Self.entry(lowered, "demo::Tail").status == .complete)
    // Without lower-rust, prune-dependents drops the member: missing, with its reason.
    let (pruned, _) = try Self.report(b.graph, pipeline: Self.keepLayout)
    let e = try Self.entry(pruned, "demo::Tail")
    #expect(e.status == .opaque && e.issues.map(\.member) == ["data"] && e.issues.first?.problem == .missing)
    #expect(e.issues.first?.reason?.text == "member 'data' ends past the end of the 4-byte type; dropped")
  }

  /// Without `lower-rust`, data-carrying enums keep only opaque bytes: each shows as opaque,
  /// its discriminant and variants missing, with the root cause in the decision log.
  @Test func enumsWithoutLoweringAreOpaqueWithTheirRootCause() throws {
    let (r, _) = try Self.report(try DWARFImporter.importFile(path: corpusObject("rust_enums-O0.o")), pipeline: Self.keepLayout)
    let shape = try Self.entry(r, "rust_enums::Shape")
    #expect(shape.dataCarrying && shape.status == .opaque)
    #expect(Set(shape.issues.map(\.member)) == ["discriminant", "Circle", "Rect", "Empty"])
    #expect(
      shape.issues.allSatisfy { $0.problem == .missing && $0.reason?.root == "demote-unrepresentable: DW_TAG_variant_part has no BTF kind" }
    )
    #expect(r.dataCarryingEnumsComplete == 0 && r.dataCarryingEnums > 0)
    #expect(r.topReasons.first?.reason == "demote-unrepresentable: DW_TAG_variant_part has no BTF kind")
    // Variant structs themselves are plain structs and stay complete.
    #expect(try Self.entry(r, "rust_enums::Shape::Circle").status == .complete)
  }

  // MARK: Hand-built graphs

  /// `demo::Holder { a: u32, w: <unspecified 8 bytes> }`: the member is demoted; keep-layout
  /// keeps it as opaque bytes (opaque, with prune-dependents' reason), strict demotes Holder
  /// (pruned, with the same root cause). `demo::Plain` stays complete under both.
  @Test func demotedMemberIsOpaqueOrPrunedWithItsReason() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let weird = b.unrepresentable(tag: DWARFTag.unspecifiedType, bytes: 8)
    let holder = b.structure("Holder", bytes: 16, [("a", u32, 0), ("w", weird, 64)])
    let plain = b.structure("Plain", bytes: 4, [("a", u32, 0)])
    Self.rust(&b, [u32, weird, holder, plain])

    let (kept, _) = try Self.report(b.graph, pipeline: Self.keepLayout)
    #expect(kept.total == 2)
    let h = try Self.entry(kept, "demo::Holder")
    #expect(h.status == .opaque && h.state == "kept" && h.btfKind == "STRUCT")
    #expect(h.issues.map(\.member) == ["w"] && h.issues.first?.problem == .opaque)
    let reason = try #require(h.issues.first?.reason)
    #expect(reason.pass == "prune-dependents" && reason.text.hasPrefix("member 'w' has no BTF type; kept as 8 opaque bytes"))
    #expect(reason.root == "demote-unrepresentable: DW_TAG_unspecified_type has no BTF kind")
    #expect(try Self.entry(kept, "demo::Plain").status == .complete)
    #expect(kept.topReasons.map { "\($0.count) \($0.reason)" } == ["1 demote-unrepresentable: DW_TAG_unspecified_type has no BTF kind"])

    let (strict, _) = try Self.report(b.graph, pipeline: Self.strict)
    let s = try Self.entry(strict, "demo::Holder")
    #expect(s.status == .pruned && s.state == "void")
    #expect(s.reason?.text == "member 'w' has no sized BTF type (policy=strict)")
    #expect(s.reason?.root == "demote-unrepresentable: DW_TAG_unspecified_type has no BTF kind")
    #expect(try Self.entry(strict, "demo::Plain").status == .complete)

    let text = kept.text()
    #expect(text.contains("struct `demo::Holder` (16 bytes, 1 copy): kept as STRUCT"))
    #expect(text.contains("    w: opaque; prune-dependents: member 'w' has no BTF type"))
    #expect(
      strict.text().contains(
        """
        struct `demo::Holder` (16 bytes, 1 copy): void; prune-dependents: member 'w' has no sized BTF type (policy=strict) (root: \
        demote-unrepresentable: DW_TAG_unspecified_type has no BTF kind)
        """
      ))
  }

  /// Member names that are not identifiers are compared after sanitizing, including names
  /// made unique with a hash (`a.b` next to a literal `a_b`), through the renames sanitize-names
  /// records (`MemberOrigin`); a member renamed without a record is missing.
  @Test func memberNamesCompareAfterSanitizing() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let s = b.structure("S", bytes: 12, [("<x>", u32, 0), ("a.b", u32, 32), ("a_b", u32, 64)])
    // `signed` is valid BTF but a C keyword, which sanitize-names may rewrite (with a decision).
    let k = b.structure("K", bytes: 4, [("signed", u32, 0)])
    Self.rust(&b, [u32, s, k])
    let (r, result) = try Self.report(b.graph, pipeline: Self.keepLayout)
    let names = result.graph.members(of: s).map { result.graph.strings.string($0.name) }
    #expect(names.contains("_x_") && names.contains("a_b") && names.contains { $0.hasPrefix("a_b_h") })
    #expect(try Self.entry(r, "demo::S").status == .complete)
    #expect(try Self.entry(r, "demo::K").status == .complete)

    // The renames are recorded with both names.
    let origins = result.graph.decisions.memberOrigins.filter { $0.owner == s }
      .map { "\(result.graph.strings.string($0.original)) -> \(result.graph.strings.string($0.written)) by \($0.pass)" }
    #expect(origins.contains("<x> -> _x_ by sanitize-names") && origins.contains { $0.hasPrefix("a.b -> a_b_h") }, "\(origins)")

    // The report reads the record, it does not guess: the same rename written without one (the
    // raw column) leaves `<x>` missing, unexplained; recorded (`renameMember`), it is found.
    let snapshot = RetentionSnapshot(graph: b.graph)
    let x = b.graph.memberRange(s).first { b.graph.strings.string(b.graph.memberNames[$0]) == "<x>" }!
    var unrecorded = b.graph
    unrecorded.setMemberName(at: x, unrecorded.strings.intern("_x_"))
    var recorded = b.graph
    recorded.renameMember(of: s, at: x - recorded.memberRange(s).lowerBound, to: recorded.strings.intern("_x_"), pass: "test", reason: nil)
    let broken = RetentionReport(snapshot: snapshot, graph: unrecorded)
    let e = try Self.entry(broken, "demo::S")
    #expect(e.status == .opaque && e.issues.map(\.member) == ["<x>"] && e.issues.first?.problem == .missing, "\(e.issues)")
    #expect(e.issues.first?.reason == nil)
    #expect(broken.topReasons.contains { $0.reason == RetentionReport.unexplained })
    let found = try Self.entry(RetentionReport(snapshot: snapshot, graph: recorded), "demo::S")
    #expect(found.status == .complete, "\(found.issues)")
  }

  /// Members of anonymous struct and union members count as members of the outer type at the
  /// summed offset, on both sides.
  @Test func anonymousMembersAreFlattened() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let u16 = b.int("u16", bytes: 2)
    let inner = b.structure("", bytes: 4, [("lo", u16, 0), ("hi", u16, 16)])
    let anon = b.structure("", bytes: 4, [("x", u32, 0), ("parts", inner, 0), ("", inner, 0)], kind: .union)
    let s = b.structure("Outer", bytes: 8, [("a", u32, 0), ("", anon, 32)])
    Self.rust(&b, [u32, u16, inner, anon, s])
    // Only the named type is counted; its members are a, x, parts (a named struct member is
    // not flattened) and lo, hi through the anonymous union.
    let (r, result) = try Self.report(b.graph, pipeline: Self.keepLayout)
    #expect(r.total == 1)
    #expect(try Self.entry(r, "demo::Outer").status == .complete)

    // Move the anonymous union: its flattened members are now at other offsets.
    var g = result.graph
    let i = g.memberRange(s).first { g.memberNames[$0].isEmpty }!
    g.setMemberValue(at: i, 0)
    let moved = try Self.entry(RetentionReport(snapshot: RetentionSnapshot(graph: b.graph), graph: g), "demo::Outer")
    #expect(moved.status == .opaque)
    #expect(moved.issues.map(\.member) == ["x", "parts", "lo", "hi"])
    #expect(moved.issues.allSatisfy { $0.problem == .offset })
    #expect(moved.issues.first?.detail == "bit 32 in DWARF, bit 0 in BTF")
  }

  @Test func retentionReportIsOffByDefaultAndWithC() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4)
    _ = b.structure("c_only", bytes: 4, [("a", int, 0)])
    let (r, _) = try Self.report(b.graph, pipeline: Self.keepLayout)
    #expect(r.total == 0 && r.text().contains("types: 0 distinct"))
    #expect(try Conversion().run(graph: b.graph, inputName: "c").retention == nil)
  }

  // MARK: Data-carrying enums against lower-rust's shape

  /// `demo::E { A(u32), B }` with a 4-byte discriminant at offset 0, as rustc's DWARF has it
  /// (a struct holding a variant part), and the node ids a test needs to rewrite it.
  struct EnumFixture {
    var builder = GraphBuilder()
    var e = TypeID.void, part = TypeID.void, variants: [TypeID] = [], a = TypeID.void, bStruct = TypeID.void
    var u32 = TypeID.void
    /// The DWARF names of the discriminant and the variant members.
    var dwarfDiscriminant = "", dwarfVariants = ("A", "B")

    init(discriminantName: String = "", variantNames: (String, String) = ("A", "B")) {
      dwarfDiscriminant = discriminantName
      dwarfVariants = variantNames
      var b = GraphBuilder()
      u32 = b.int("u32", bytes: 4)
      a = b.structure(variantNames.0, bytes: 8, [("__0", u32, 32)])
      bStruct = b.structure(variantNames.1, bytes: 8, [])
      let va = b.unrepresentable(tag: DWARFTag.variant)
      b.graph.setMembers(va, [Member(name: b.name(variantNames.0), type: a, value: 0)])
      let vb = b.unrepresentable(tag: DWARFTag.variant)
      b.graph.setMembers(vb, [Member(name: b.name(variantNames.1), type: bStruct, value: 0)])
      part = b.unrepresentable(tag: DWARFTag.variantPart)
      let has = VariantFlags.hasDiscriminantValue.rawValue
      b.graph.setMembers(
        part,
        [
          Member(name: b.name(discriminantName), type: u32, value: 0, bits: VariantFlags.discriminant.rawValue),
          Member(type: va, value: 0, bits: has), Member(type: vb, value: 1, bits: has),
        ])
      e = b.structure("E", bytes: 8, [("", part, 0)])
      StatsTests.rust(&b, [u32, a, bStruct, va, vb, part, e])
      b.graph.setScope(a, b.name("demo::E"))
      b.graph.setScope(bStruct, b.name("demo::E"))
      variants = [va, vb]
      builder = b
    }

    /// The shape `lower-rust` gives E (`Sources/Lower/RustEnums.swift`), built by hand:
    /// `struct E { union { struct { enum D discriminant; }; struct A A; struct B B; }; }`, with
    /// what it records: the member standing for each DWARF one, the discriminant under
    /// `recordedDiscriminant`. The other arguments break the shape on purpose.
    func lowered(
      discriminant: String = "discriminant", recordedDiscriminant: String = "discriminant", discriminantOffset: UInt64 = 0,
      variantNames: (String, String) = ("A", "B"), dropVariantField: Bool = false
    ) -> TypeGraph {
      var b = builder
      let d = b.graph.add(.enumeration, name: b.name("E__Discriminant"), size: 4, flags: .rust)
      b.graph.setMembers(d, [Member(name: b.name("A"), value: 0), Member(name: b.name("B"), value: 1)])
      let holder = b.structure("", bytes: 8, [(discriminant, d, discriminantOffset)])
      let union = b.structure("", bytes: 8, [("", holder, 0), (variantNames.0, a, 0), (variantNames.1, bStruct, 0)], kind: .union)
      b.graph.setMembers(e, [Member(type: union, value: 0)])
      b.graph.recordMemberOrigin(of: holder, original: b.name(dwarfDiscriminant), written: b.name(recordedDiscriminant), pass: "lower-rust")
      for v in [dwarfVariants.0, dwarfVariants.1] {
        b.graph.recordMemberOrigin(of: union, original: b.name(v), written: b.name(v), pass: "lower-rust")
      }
      if dropVariantField { b.graph.setMembers(a, []) }
      for v in variants + [part] { b.graph.prune(v, pass: "lower-rust", reason: .custom("folded into the enum")) }
      return b.graph
    }
  }

  @Test func dataCarryingEnumIsCompleteInLowerRustsShape() throws {
    let f = EnumFixture()
    let snapshot = RetentionSnapshot(graph: f.builder.graph)
    let r = RetentionReport(snapshot: snapshot, graph: f.lowered())
    let e = try Self.entry(r, "demo::E")
    #expect(e.dataCarrying && e.status == .complete, "\(e.issues)")
    #expect(r.dataCarryingEnums == 1 && r.dataCarryingEnumsComplete == 1)
    // The variant structs are named types of their own.
    #expect(r.total == 3 && r.count(.complete) == 3)
  }

  @Test func dataCarryingEnumChecksDiscriminantAndVariants() throws {
    let f = EnumFixture()
    let snapshot = RetentionSnapshot(graph: f.builder.graph)
    func issues(_ g: TypeGraph) throws -> [String] {
      try Self.entry(RetentionReport(snapshot: snapshot, graph: g), "demo::E").issues.map { "\($0.member) \($0.problem.rawValue)" }
    }
    #expect(try issues(f.lowered(discriminantOffset: 32)) == ["discriminant offset"])
    #expect(try issues(f.lowered(discriminant: "tag")) == ["discriminant missing"])
    #expect(try issues(f.lowered(variantNames: ("A", "b"))) == ["B missing"])
    #expect(try issues(f.lowered(dropVariantField: true)) == ["A.__0 missing"])
  }

  /// The discriminant is found by what `lower-rust` recorded for it, not by re-deriving its
  /// naming: a discriminant named in DWARF keeps its name; one that collides with a variant's
  /// name is `__discriminant`, which the real `lower-rust` writes and records.
  @Test func discriminantIsFoundByWhatLowerRustRecorded() throws {
    let named = EnumFixture(discriminantName: "tag")
    #expect(
      try Self.entry(
        RetentionReport(
          snapshot: RetentionSnapshot(graph: named.builder.graph),
          graph: named.lowered(discriminant: "tag", recordedDiscriminant: "tag")), "demo::E"
      ).status == .complete)
    let clash = EnumFixture(variantNames: ("discriminant", "B"))
    let snapshot = RetentionSnapshot(graph: clash.builder.graph)
    #expect(
      try Self.entry(
        RetentionReport(
          snapshot: snapshot,
          graph: clash.lowered(
            discriminant: "__discriminant",
            recordedDiscriminant: "__discriminant", variantNames: ("discriminant", "B"))), "demo::E"
      ).status == .complete)
    // Written under another name than the one recorded: missing.
    #expect(
      try Self.entry(
        RetentionReport(
          snapshot: snapshot,
          graph: clash.lowered(
            discriminant: "discriminant",
            recordedDiscriminant: "__discriminant", variantNames: ("discriminant", "B"))), "demo::E"
      ).status == .opaque)
    // The real lower-rust.
    let (r, result) = try Self.report(clash.builder.graph)
    #expect(try Self.entry(r, "demo::E").status == .complete)
    let g = result.graph
    #expect(
      g.decisions.memberOrigins.contains {
        $0.original.isEmpty && g.strings.string($0.written) == "__discriminant" && $0.pass == "lower-rust"
      })
  }

  /// The whole pipeline (with the real `lower-rust`) on the hand-built enum.
  @Test func loweredByThePipelineTheEnumIsComplete() throws {
    let f = EnumFixture()
    let (r, _) = try Self.report(f.builder.graph)
    let e = try Self.entry(r, "demo::E")
    #expect(e.status == .complete, "\(e.issues)")
  }

  // MARK: CLI

  @Test func cliPrintsOnlyTheReportOnStandardOutput() throws {
    let dir = try temporaryDirectory()
    let sample = corpusObject("rust_enums-O0.o")
    let plain = try runCLI([sample, "-o", dir + "/a.btf"])
    let text = try runCLI(["--stats", sample, "-o", dir + "/b.btf"])
    #expect(plain.status == 0 && text.status == 0, "\(text.stderr)")
    #expect(text.stdout.hasPrefix("Rust retention report: \(sample)\n"))
    #expect(!text.stdout.contains("types in") && text.stderr.contains("types in"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/a.btf")) == Data(contentsOf: URL(fileURLWithPath: dir + "/b.btf")))

    let json = try runCLI(["--stats", "--format", "json", sample, "-o", dir + "/c.btf"])
    #expect(json.status == 0)
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let (r, _) = try Self.report(try DWARFImporter.importFile(path: sample))
    #expect((doc["types"] as? [String: Int])?["total"] == r.total)
    #expect(json.stdout == r.json(inputName: sample))
    #expect(text.stdout == r.text(inputName: sample))

    #expect(try runCLI(["--stats", "--explain-pruned", "--format", "json", sample, "-o", dir + "/d.btf"]).status == 64)
  }
}

/// llvm-dwarfdump's view of a file's named Rust struct, union and enum definitions: the scope
/// of a DIE is the names of its enclosing namespaces, structs, unions and enums (as the
/// importer builds it), and only compile units whose language is Rust count.
enum DwarfdumpTypes {
  static func count(_ file: String) throws -> (distinct: Set<String>, copies: Int) {
    let r = try runTool(dwarfdumpPath ?? "/usr/bin/llvm-dwarfdump", ["--debug-info", file])
    struct DIE {
      var tag: String
      var depth: Int
      var name: String?
      var size: String?
      var declaration = false
      var rust = false
    }
    var dies: [DIE] = []
    for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: true) {
      let s = String(line)
      if s.hasPrefix("0x"), let colon = s.firstIndex(of: ":") {
        let rest = s[s.index(after: colon)...]
        let body = rest.drop { $0 == " " }
        guard body.hasPrefix("DW_TAG_") || body.hasPrefix("NULL") else { continue }
        let depth = (rest.count - body.count - 1) / 2
        dies.append(DIE(tag: String(body), depth: depth))
      } else if !dies.isEmpty {
        let t = s.trimmingCharacters(in: .whitespaces)
        func value() -> String {
          guard let open = t.firstIndex(of: "("), let close = t.lastIndex(of: ")") else { return "" }
          var v = String(t[t.index(after: open)..<close])
          if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
          return v
        }
        if t.hasPrefix("DW_AT_name") { dies[dies.count - 1].name = value() }
        if t.hasPrefix("DW_AT_byte_size") { dies[dies.count - 1].size = value() }
        if t.hasPrefix("DW_AT_declaration") { dies[dies.count - 1].declaration = value() == "true" }
        if t.hasPrefix("DW_AT_language") { dies[dies.count - 1].rust = value() == "DW_LANG_Rust" }
      }
    }
    var distinct: Set<String> = []
    var copies = 0
    var scope: [(depth: Int, name: String)] = []
    var inRust = false
    let types: Set<String> = ["DW_TAG_structure_type", "DW_TAG_union_type", "DW_TAG_enumeration_type"]
    for d in dies {
      if d.tag == "NULL" { continue }
      scope.removeAll { $0.depth >= d.depth }
      if d.tag == "DW_TAG_compile_unit" || d.tag == "DW_TAG_partial_unit" { inRust = d.rust }
      if inRust, types.contains(d.tag), let name = d.name, !name.isEmpty, !d.declaration {
        let size = UInt64((d.size ?? "0x0").dropFirst(2), radix: 16) ?? 0
        distinct.insert((scope.map(\.name) + [name]).joined(separator: "::") + "/\(size)")
        copies += 1
      }
      if let name = d.name, !name.isEmpty, types.contains(d.tag) || d.tag == "DW_TAG_namespace" {
        scope.append((d.depth, name))
      }
    }
    return (distinct, copies)
  }
}
