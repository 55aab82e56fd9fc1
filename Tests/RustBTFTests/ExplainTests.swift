import Foundation
import Prune
import Reports
import RustBTF
import Testing
import TypeGraph
import Verify

/// `prune-dependents<policy=strict>` and the explanations (`Explanation`, `--explain-pruned`,
/// `--explain NAME`, `--format json`).
@Suite struct ExplainTests {
  static let strictPipeline = "demote-unrepresentable,sanitize-names,prune-dependents<policy=strict>,dedup"
  let sample = packageRoot + "/Corpus/objects/rust_enums-O0.o"

  /// Imports `path` and runs `pipeline` through `Conversion`, returning the imported graph too
  /// (explanations show namespace paths sanitize-names folds into names).
  static func convert(_ path: String, pipeline text: String) throws -> (imported: TypeGraph, result: Conversion.Result) {
    let pipeline = try PassPipeline(parsing: text, registry: StandardPasses.registry)
    let imported = try DWARFImporter.importFile(path: path)
    let result = try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()]).run(graph: imported, inputName: path)
    return (imported, result)
  }

  // MARK: Strict policy

  @Test func policyParameterParsesPrintsAndRejectsBadValues() throws {
    let registry = StandardPasses.registry
    let d = "demote-unrepresentable,"
    #expect(try PassPipeline(parsing: d + "prune-dependents", registry: registry).text == d + "prune-dependents")
    #expect(try PassPipeline(parsing: d + "prune-dependents<policy=keep-layout>", registry: registry).text == d + "prune-dependents")
    #expect(
      try PassPipeline(parsing: d + "prune-dependents<policy=strict>", registry: registry).text == d + "prune-dependents<policy=strict>")
    #expect(throws: (any Error).self) { try PassPipeline(parsing: d + "prune-dependents<policy=lax>", registry: registry) }
    #expect(throws: (any Error).self) { try PassPipeline(parsing: d + "prune-dependents<policy>", registry: registry) }
    #expect(PruneDependents.descriptor.parameterHelp.contains("policy=keep-layout|strict"))
  }

  /// Strict on a hand-built graph: the holder of an unsized member is demoted, which cascades to
  /// what holds it by value; pointers to it become `void *`; typedefs stay; nothing is opaque.
  @Test func strictDemotesHoldersToAFixpoint() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4) /* [1] */
    let part = b.unrepresentable(tag: DWARFTag.variantPart) /* [2] */
    let e = b.structure("E", bytes: 8, [("", part, 0)]) /* [3] */
    let outer = b.structure("Outer", bytes: 12, [("e", e, 0), ("n", u32, 64)]) /* [4] */
    let arr = b.array(of: outer, count: 2) /* [6] (index [5]) */
    let holder = b.structure("Holder", bytes: 24, [("a", arr, 0)]) /* [7] */
    let td = b.typedef("OuterT", outer) /* [8] */
    let p = b.pointer(to: outer) /* [9] */
    let keeper = b.structure("Keeper", bytes: 8, [("p", p, 0)]) /* [10] */
    let f = b.function("f", returns: u32, params: [("x", td)]) /* [12] (proto [11]) */
    var g = b.graph
    try run("demote-unrepresentable,prune-dependents<policy=strict>", on: &g, registry: StandardPasses.registry)
    for id in [e, outer, arr, holder] { #expect(g.kind(id) == .void, "\(g.describe(id))") }
    #expect(g.kind(td) == .typedef && g.kind(p) == .pointer && g.kind(keeper) == .structure)
    #expect(g.kind(f) == .removed)
    #expect(!g.decisions.entries.contains { if case .replacedByOpaque = $0.action { true } else { false } })
    // Holder <- array <- Outer <- E <- the variant part: a chain of four causes.
    let d = g.decisions.latest(for: holder)!
    #expect(g.decisions.causes(of: d).map { g.decisions[$0].subject } == [arr, outer, e, part])
    #expect(g.verify().isEmpty)
    let once = g.dump()
    try run("demote-unrepresentable,prune-dependents<policy=strict>", on: &g, registry: StandardPasses.registry)
    #expect(g.dump() == once)
  }

  /// Every corpus file under the strict policy: valid offline, accepted by the kernel.
  @Test(arguments: try corpusFiles())
  func strictPolicyGivesBTFTheKernelAccepts(file: String) throws {
    let pipeline = try PassPipeline(parsing: Self.strictPipeline, registry: StandardPasses.registry)
    let result = try Conversion(pipeline: pipeline, instrumentation: [VerifyEachPass()]).run(path: file)
    let problems = BTFValidator.validate(result.btf, mode: .load)
    #expect(problems.isEmpty, "\(file): offline validator: \(problems)")
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file): \(failure)") }
    #expect(result.graph.verify().isEmpty)
    // Strict makes nothing opaque for lack of a type (misaligned FLOATs still are).
    let opaque = result.graph.decisions.entries.filter {
      switch $0.reason.as(PruneDependents.Reason.self) {
      case .memberOpaque?, .elementsOpaque?: true
      default: false
      }
    }
    #expect(opaque.isEmpty, "\(file): \(opaque.first.map { "\($0.reason)" } ?? "")")
  }

  // MARK: Explanation on a hand-built graph

  /// Original names come from before any rename, with the namespace path; causes go back to the
  /// root; `--explain NAME` takes the simple or the path-qualified name.
  @Test func explanationUsesOriginalNamesAndFullCauseChains() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4) /* [1] */
    let part = b.unrepresentable(tag: DWARFTag.variantPart) /* [2] */
    let foo = b.graph.add(
      .structure, name: b.name("Foo<u8>"), size: 8, dwarfTag: DWARFTag.structureType,
      origin: Origin(dieOffset: 0x4f21a, unit: .none), scope: b.name("kern::m")) /* [3] */
    b.graph.setMembers(foo, [Member(name: b.name("inner"), type: part, value: 0)])
    let f = b.function("use_foo", returns: u32, params: [("x", foo)]) /* [5] (proto [4]) */
    let imported = b.graph
    var g = imported
    try run("demote-unrepresentable,sanitize-names,prune-dependents<policy=strict>", on: &g, registry: StandardPasses.registry)
    let explanation = Explanation(graph: g, imported: imported)
    #expect(explanation.originalName(foo) == "kern::m::Foo<u8>")
    for query in ["kern::m::Foo<u8>", "Foo<u8>"] {
      let entries = explanation.entries(filter: ExplainFilter(names: [query]))
      let demoted = try #require(entries.first { $0.action == "demoted" }, "\(query)")
      #expect(demoted.subject.originalName == "kern::m::Foo<u8>" && demoted.subject.dieOffset == 0x4f21a)
      #expect(demoted.reason.contains("'inner'") && demoted.causes.map(\.subject.id) == [part])
    }
    let pruned = try #require(explanation.entries().first { $0.subject.id == f && $0.action == "pruned" })
    #expect(pruned.causes.map(\.action) == ["demoted", "demoted", "demoted"])
    #expect(pruned.causes.last?.reason == "DW_TAG_variant_part has no BTF kind")
    let text = explanation.text(filter: ExplainFilter(names: ["use_foo"]))
    #expect(
      text.hasPrefix("pruned ") && text.contains(" `use_foo` [die -, cu -]\n  by prune-dependents: its prototype has no BTF type\n"),
      "\(text)")
    #expect(
      text.contains(
        """
          because demoted struct `kern::m::Foo<u8>` [die 0x4f21a, cu -] by prune-dependents: member 'inner' has no sized BTF type \
        (policy=strict)\n
        """
      ), "\(text)")
    // Kept, untouched nodes are explained by name too.
    #expect(explanation.text(filter: ExplainFilter(names: ["u32"])).contains("kept as INT 'u32' [id "))
  }

  /// A renamed member is explained as the member's rename (its old name, the name written, as
  /// `sanitize-names` recorded them), not as a rename of the struct holding it, whose original
  /// name stays its own.
  /// A class's representative merged later into another class's (dedup at import, then the final
  /// dedup) moves its copies with it: each copy reads as merged into the node finally kept, and
  /// the summary counts one kept node, as one dedup over every copy would.
  @Test func aMergedTargetMovesItsCopies() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let copies = (0..<3).map { _ in b.structure("S", bytes: 4, [("x", u32, 0)]) }
    let p = b.pointer(to: copies[0])
    _ = b.structure("Holder", bytes: 8, [("p", p, 0)])
    var g = b.graph
    // copies[2] into copies[1] first, then copies[1] into copies[0].
    g.merge(copies[2], into: copies[1])
    g.merge(copies[1], into: copies[0])
    let explanation = Explanation(graph: g)
    let text = explanation.text()
    #expect(text.contains("2 merges into 1 kept node not listed"), "\(text)")
    let merged = explanation.text(filter: ExplainFilter(includeMerges: true))
    #expect(merged.contains("absorbed 2"), "\(merged)")
    let s = explanation.entries(filter: ExplainFilter(names: ["S"])).filter { $0.action == "merged" }
    #expect(
      s.count == 2 && s.allSatisfy { $0.mergedInto?.id == copies[0] },
      "\(s.map { "\($0.subject.id) -> \(String(describing: $0.mergedInto?.id))" })")
  }

  @Test func aMemberRenameRenamesNoNode() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let k = b.structure("Int", bytes: 4, [("signed", u32, 0)])
    b.graph.setScope(k, b.name("core::mem"))
    let imported = b.graph
    var g = imported
    try run("demote-unrepresentable,sanitize-names,prune-dependents", on: &g, registry: StandardPasses.registry)
    let explanation = Explanation(graph: g, imported: imported)
    #expect(explanation.originalName(k) == "core::mem::Int")
    let e = try #require(explanation.entries().first { $0.subject.id == k && $0.action == "renamed" })
    #expect(e.member == "signed" && e.renamedTo == "signed_", "\(e)")
    let text = explanation.text(filter: ExplainFilter(names: ["core::mem::Int"]))
    #expect(
      text.contains(
        """
        renamed member 'signed' of struct `core::mem::Int` [die -, cu -]\n  by sanitize-names: a C keyword, which C headers made from the \
        BTF cannot use as a name (now 'signed_')\n
        """
      ), "\(text)")
    #expect(explanation.entries(filter: ExplainFilter(names: ["signed"])).isEmpty)
  }

  // MARK: Explanation goldens

  /// `Corpus/golden/explain/<name>.txt`; `RUSTBTF_RECORD=1` rewrites it and fails the test.
  static func compareWithGolden(_ actual: String, name: String) throws {
    let path = packageRoot + "/Corpus/golden/explain/" + name + ".txt"
    let env = ProcessInfo.processInfo.environment["RUSTBTF_RECORD"] ?? ""
    if !env.isEmpty && env != "0" {
      try FileManager.default.createDirectory(atPath: packageRoot + "/Corpus/golden/explain", withIntermediateDirectories: true)
      try actual.write(toFile: path, atomically: true, encoding: .utf8)
      Issue.record("recorded \(path); rerun without RUSTBTF_RECORD")
      return
    }
    guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
      Issue.record("no golden \(path); record it with RUSTBTF_RECORD=1 swift test --filter ExplainTests")
      return
    }
    if expected != actual {
      Issue.record(
        "\(path) differs (RUSTBTF_RECORD=1 swift test --filter ExplainTests re-records it):\n\(explainLineDiff(expected, actual))")
    }
  }

  static let goldenNames = ["rust_enums::Shape", "core::hint::black_box<rust_enums::Shape>", "Sensor"]

  @Test func strictExplanationMatchesGoldenWithDeepCauseChain() throws {
    let (imported, result) = try Self.convert(sample, pipeline: Self.strictPipeline)
    let explanation = Explanation(graph: result.graph, imported: imported)
    let filter = ExplainFilter(names: Self.goldenNames)
    let entries = explanation.entries(filter: filter)
    #expect(entries.contains { $0.action == "pruned" && $0.causes.count >= 3 }, "no cause chain three deep")
    #expect(entries.contains { $0.action == "kept" && $0.subject.originalName == "rust_enums::Sensor" })
    try Self.compareWithGolden(explanation.text(filter: filter), name: "rust_enums-O0.strict")
  }

  /// The default pipeline on the same types: lower-rust keeps the enum with its discriminant
  /// and variants, and says so with the discriminant values; nothing is made opaque.
  @Test func defaultPipelineExplanationMatchesGolden() throws {
    let (imported, result) = try Self.convert(sample, pipeline: "all")
    let explanation = Explanation(graph: result.graph, imported: imported)
    let filter = ExplainFilter(names: Self.goldenNames)
    let entries = explanation.entries(filter: filter)
    #expect(entries.contains { $0.action == "rewritten" && $0.pass == "lower-rust" && $0.reason.contains("Circle = 0") })
    #expect(!entries.contains { $0.action == "replaced_by_opaque" })
    try Self.compareWithGolden(explanation.text(filter: filter), name: "rust_enums-O0.all")
  }

  /// Without lower-rust the default policy keeps the enum's layout with an opaque member.
  @Test func keepLayoutWithoutLoweringMakesTheVariantPartOpaque() throws {
    let (imported, result) = try Self.convert(sample, pipeline: "demote-unrepresentable,sanitize-names,prune-dependents,dedup")
    let explanation = Explanation(graph: result.graph, imported: imported)
    let filter = ExplainFilter(names: Self.goldenNames)
    #expect(
      explanation.entries(filter: filter).contains { $0.action == "replaced_by_opaque" && $0.subject.originalName == "rust_enums::Shape" })
  }

  // MARK: The CLI

  static let jsonFields = [
    "original_name", "kind", "die_offset", "compile_unit", "pass", "action", "reason", "member",
    "renamed_to", "merged_into", "absorbed", "result", "causes",
  ]

  @Test func jsonParsesAndHasTheDocumentedFields() throws {
    let dir = try temporaryDirectory()
    let r = try runCLI(["--passes", Self.strictPipeline, "--explain-pruned", "--format", "json", sample, "-o", dir + "/x.btf"])
    #expect(r.status == 0, "\(r.stderr)")
    let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    let entries = try #require(parsed as? [[String: Any]])
    #expect(!entries.isEmpty)
    for e in entries {
      for f in Self.jsonFields { #expect(e.keys.contains(f), "missing \(f) in \(e)") }
      #expect(Set(e.keys) == Set(Self.jsonFields), "undocumented fields: \(Set(e.keys).subtracting(Self.jsonFields))")
      if let die = e["die_offset"] as? String { #expect(die.hasPrefix("0x")) }
      for c in e["causes"] as? [[String: Any]] ?? [] {
        #expect(Set(c.keys) == ["original_name", "kind", "die_offset", "compile_unit", "pass", "action", "reason", "member"])
      }
    }
    let deep = entries.filter { ($0["causes"] as? [Any])?.count ?? 0 >= 3 }
    #expect(!deep.isEmpty)
    #expect(entries.contains { $0["action"] as? String == "demoted" && $0["pass"] as? String == "demote-unrepresentable" })
    // With --explain-merges, JSON lists every merge with the node it went into.
    let m = try runCLI([
      "--passes", Self.strictPipeline, "--explain-pruned", "--explain-merges", "--format", "json", sample, "-o", dir + "/y.btf",
    ])
    let merged = try #require(try JSONSerialization.jsonObject(with: Data(m.stdout.utf8)) as? [[String: Any]])
      .filter { $0["action"] as? String == "merged" }
    #expect(!merged.isEmpty && merged.allSatisfy { $0["merged_into"] is [String: Any] })
  }

  @Test func explainNameFindsTypesByOriginalName() throws {
    let dir = try temporaryDirectory()
    // Path-qualified original name of a demoted Rust enum.
    let a = try runCLI(["--passes", Self.strictPipeline, "--explain", "rust_enums::Shape", sample, "-o", dir + "/a.btf"])
    #expect(a.status == 0, "\(a.stderr)")
    #expect(a.stdout.hasPrefix("demoted struct `rust_enums::Shape` [die 0x"), "\(a.stdout)")
    #expect(a.stdout.contains("DW_TAG_variant_part has no BTF kind"))
    // Simple original name of a type kept as it was.
    let b = try runCLI(["--explain", "Sensor", sample, "-o", dir + "/b.btf"])
    #expect(b.stdout.contains("struct `rust_enums::Sensor` [die 0x") && b.stdout.contains("kept as STRUCT 'Sensor' [id "), "\(b.stdout)")
    // An original name sanitize-names rewrote.
    let c = try runCLI(["--explain", "()", sample, "-o", dir + "/c.btf"])
    #expect(c.stdout.contains("base type `()`") && c.stdout.contains("now 'unit'"), "\(c.stdout)")
    // Unknown names are said so, on both streams, and fail the run once the BTF is written.
    let d = try runCLI(["--explain", "no_such_type", sample, "-o", dir + "/d.btf"])
    #expect(d.status == 1 && d.stdout.contains("no type, function or variable named `no_such_type`"))
    #expect(d.stderr.contains("rustbtf: --explain: no type") && FileManager.default.fileExists(atPath: dir + "/d.btf"))
  }

  /// Spacing does not matter, near names are suggested, and several names come out grouped.
  @Test func explainNameIgnoresSpacingSuggestsAndGroups() throws {
    let dir = try temporaryDirectory()
    let spaced = try runCLI(["--explain", "core::option::Option< u32 >", sample, "-o", dir + "/a.btf"])
    let tight = try runCLI(["--explain", "core::option::Option<u32>", sample, "-o", dir + "/b.btf"])
    #expect(spaced.status == 0 && spaced.stdout.contains("struct `core::option::Option<u32>`"), "\(spaced.stderr)")
    #expect(spaced.stdout == tight.stdout)
    let typo = try runCLI(["--explain", "Tagge", sample, "-o", dir + "/c.btf"])
    #expect(typo.status == 1 && typo.stdout.contains("(did you mean `Tagged`"), "\(typo.stdout)")
    let both = try runCLI(["--explain", "Sensor", "--explain", "Tagge", sample, "-o", dir + "/d.btf"])
    let headings = both.stdout.split(separator: "\n").filter { $0.hasPrefix("# --explain") }
    #expect(headings == ["# --explain `Sensor`", "# --explain `Tagge`"], "\(both.stdout)")
    let json = try runCLI(["--explain", "Tagged", "--explain", "Sensor", "--format", "json", sample, "-o", dir + "/e.btf"])
    let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    let queries = entries.compactMap { $0["query"] as? String }
    // Every entry names its query; all of the first name's come before the second's.
    #expect(queries.count == entries.count && Set(queries) == ["Tagged", "Sensor"], "\(queries)")
    #expect(queries.firstIndex(of: "Sensor") ?? 0 > queries.lastIndex(of: "Tagged") ?? .max, "\(queries)")
  }

  @Test func outputIsDeterministicAndSorted() throws {
    let dir = try temporaryDirectory()
    let args = ["--passes", Self.strictPipeline, "--explain-pruned", sample, "-o", dir + "/x.btf"]
    let one = try runCLI(args)
    let two = try runCLI(args)
    #expect(one.status == 0 && !one.stdout.isEmpty)
    #expect(one.stdout == two.stdout)
    let j1 = try runCLI(args + ["--format", "json"])
    let j2 = try runCLI(args + ["--format", "json"])
    #expect(j1.stdout == j2.stdout)
    // Sorted by original name, then DIE offset.
    let entries = try #require(try JSONSerialization.jsonObject(with: Data(j1.stdout.utf8)) as? [[String: Any]])
    let keys = entries.map {
      (name: $0["original_name"] as? String ?? "", die: UInt64(($0["die_offset"] as? String ?? "0x0").dropFirst(2), radix: 16) ?? 0)
    }
    for (x, y) in zip(keys, keys.dropFirst()) {
      #expect(x.name.utf8.lexicographicallyPrecedes(y.name.utf8) || (x.name == y.name && x.die <= y.die), "\(x) before \(y)")
    }
  }

  @Test func standardOutputHoldsOnlyTheExplanation() throws {
    let dir = try temporaryDirectory()
    let r = try runCLI(["--explain-pruned", "--verify-each", sample, "-o", dir + "/x.btf"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(!r.stdout.contains("types in") && !r.stdout.contains("rustbtf:"))
    #expect(r.stderr.contains("types in"))
    // Every block starts with what happened to what, and the merges are only counted.
    for block in r.stdout.components(separatedBy: "\n\n") where !block.isEmpty {
      let head = block.prefix { $0 != "\n" }
      #expect(
        ["renamed ", "demoted ", "pruned ", "made opaque ", "rewritten ", "merged "].contains { head.hasPrefix($0) }
          || head.contains(" merges into "), "\(head)")
    }
    #expect(r.stdout.contains("--explain-merges lists them"))
    // Explanation options without a conversion to explain are usage errors.
    let bad = try runCLI(["--format", "json", sample, "-o", dir + "/y.btf"])
    #expect(bad.status == 64)
  }
}

/// A short line diff: the first differing lines with their numbers.
func explainLineDiff(_ expected: String, _ actual: String, limit: Int = 20) -> String {
  let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
  var out: [String] = []
  for i in 0..<max(e.count, a.count) where out.count < limit * 2 {
    let x = i < e.count ? String(e[i]) : nil
    let y = i < a.count ? String(a[i]) : nil
    if x != y {
      if let x { out.append("\(i + 1): - \(x)") }
      if let y { out.append("\(i + 1): + \(y)") }
    }
  }
  return out.joined(separator: "\n")
}
