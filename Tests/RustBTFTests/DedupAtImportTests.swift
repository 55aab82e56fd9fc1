import Encode
import Foundation
import Merge
import Reports
import RustBTF
import Testing
import TypeGraph

/// Dedup at import (issue 19, `--dedup-at-import`, `Conversion.dedupAtImport`): each range of
/// compile units merges its copies as it is read, and the passes run on fewer nodes. The full
/// dedup after the passes stays the reference: the BTF must be byte-identical to the conversion
/// without it, whatever the ranges (`DWARFImportOptions.rangesPerThread`, threads).
@Suite struct DedupAtImportTests {
  /// The three ways the units of an object can be cut: today's ranges on two threads, every unit
  /// in one range (the most copies merged before the passes), and every unit in a range of its
  /// own (references between units wait for the whole walk: those nodes must stay apart).
  static let cuts: [(name: String, threads: Int, rangesPerThread: Int)] = [
    ("2 threads", 2, 32), ("one range", 1, 1), ("a range per unit", 2, 1 << 12),
  ]

  static func convert(
    _ file: String, dedupAtImport: Bool, threads: Int = 1, rangesPerThread: Int = 32, stats: Bool = false
  ) throws -> Conversion.Result {
    var conversion = Conversion(instrumentation: [VerifyEachPass()], retentionReport: stats)
    conversion.dedupAtImport = dedupAtImport
    conversion.importOptions.threads = threads
    conversion.importOptions.rangesPerThread = rangesPerThread
    return try conversion.run(path: file)
  }

  /// Every corpus object, each cut: the same BTF as without dedup at import, and the kernel
  /// loads it; the summary counts the copies merged as they were read as merged, so its types
  /// in and out are the same too.
  @Test(arguments: try corpusFiles())
  func theBTFIsTheSameWhateverTheRanges(file: String) throws {
    let reference = try Self.convert(file, dedupAtImport: false)
    for cut in Self.cuts {
      let result = try Self.convert(file, dedupAtImport: true, threads: cut.threads, rangesPerThread: cut.rangesPerThread)
      #expect(result.btf == reference.btf, "\(file), \(cut.name): the BTF differs from the conversion without dedup at import")
      #expect(result.summary.typesIn == reference.summary.typesIn && result.summary.typesOut == reference.summary.typesOut)
      let s = result.summary
      #expect(s.typesIn + s.added - s.demoted - s.pruned - s.merged - s.unexplained == s.typesOut, "\(file), \(cut.name): \(s.line)")
      if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file), \(cut.name): \(failure)") }
    }
  }

  /// Without the copies' origins (`DWARFImportOptions.keepsCopyOrigins` false, rustbtf when no
  /// report is asked for), dedup at import counts the same copies for each representative, and
  /// the BTF and the summary are the same; with them, every copy has its DIE.
  /// (Objects of several units that repeat types; the `copies` shape's with Rust names and paths.)
  @Test(arguments: ["c_dedup-O0.elf", "c_dedup-O2.elf", "copies"])
  func copiesAreCountedWithoutTheirOrigins(name: String) throws {
    let path = name == "copies" ? try DWARFShapeTests.shape("copies", 3) : corpusObject(name)
    func convert(_ origins: Bool) throws -> Conversion.Result {
      var conversion = Conversion()
      conversion.importOptions.threads = 1
      conversion.importOptions.rangesPerThread = 1 // one range: the most copies merged at import
      conversion.importOptions.keepsCopyOrigins = origins
      return try conversion.run(path: path)
    }
    let kept = try convert(true)
    let counted = try convert(false)
    let (a, b) = (kept.graph.decisions.copiesMergedAtImport, counted.graph.decisions.copiesMergedAtImport)
    #expect(a.count > 0 && a.count == b.count && a.representativeCount == b.representativeCount, "\(name): \(a.count), \(b.count)")
    for k in 0..<a.representativeCount { #expect(a.group(k) == b.group(k), "\(name): group \(k)") }
    #expect(a.keepsOrigins && !b.keepsOrigins)
    #expect((0..<a.count).allSatisfy { a.dieOffset($0) != 0 } && (0..<b.count).allSatisfy { b.dieOffset($0) == 0 })
    #expect(kept.btf == counted.btf && kept.summary.line == counted.summary.line, "\(name)")
  }

  /// The importer's fuzz inputs (Corpus/fuzz/import): the same conversion, BTF or error, with and
  /// without dedup at import. `dedup-at-import-names-by-node-id` (a mutated Rust object) once gave
  /// another BTF: sanitize-names named anonymous TYPEDEFs after their node id, and two Rust variant
  /// structs that had lost their names merged across enums.
  @Test(arguments: try FileManager.default.contentsOfDirectory(atPath: packageRoot + "/Corpus/fuzz/import").sorted())
  func fuzzInputsConvertTheSame(name: String) throws {
    let file = packageRoot + "/Corpus/fuzz/import/" + name
    func outcome(_ dedupAtImport: Bool) -> String {
      do {
        let btf = try Self.convert(file, dedupAtImport: dedupAtImport, threads: 2, rangesPerThread: 1 << 12).btf
        if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(name): \(failure)") }
        return btf.map { String($0, radix: 16) }.joined(separator: " ")
      } catch {
        return "error: \(error)"
      }
    }
    let plain = outcome(false)
    let merged = outcome(true)
    #expect(plain == merged, "\(name): \(plain.prefix(200)) -- \(merged.prefix(200))")
  }

  /// The two units of `c_dedup-O0.elf` repeat their types: in one range they merge as they are
  /// read, so the graph the passes get holds fewer nodes, with the same BTF at the end.
  @Test func copiesOfOneRangeMergeAsTheyAreRead() throws {
    let file = corpusObject("c_dedup-O0.elf")
    var options = DWARFImportOptions()
    options.rangesPerThread = 1
    var plain = ImportStatistics()
    let full = try DWARFImporter.importFile(path: file, options: options, statistics: &plain)
    options.canonicalizeRange = { graph, pinned in Dedup.canonicalizeRange(&graph, pinned: pinned) }
    var merging = ImportStatistics()
    let merged = try DWARFImporter.importFile(path: file, options: options, statistics: &merging)
    #expect(plain.mergedAtImport == 0)
    #expect(merging.mergedAtImport > 0, "no copy merged as it was read")
    #expect(merged.count + merging.mergedAtImport == full.count, "\(merged.count) + \(merging.mergedAtImport) != \(full.count)")
    #expect(merged.verify().isEmpty, "\(merged.verify())")
    // The graph holds no tombstone of a merged copy.
    #expect(!merged.ids.contains { merged.kind($0) == .removed })
    // Each copy is recorded with its own DIE and unit, under a representative of its kind and name:
    // with the graph's nodes, they are the nodes the import without merging made.
    let copies = merged.decisions.copiesMergedAtImport
    #expect(copies.count == merging.mergedAtImport)
    struct Origin: Hashable {
      var die: UInt64
      var unit: Int32
      var kind: Kind
      var name: String
    }
    func origin(_ g: TypeGraph, _ id: TypeID) -> Origin {
      Origin(die: g.origin(id).dieOffset, unit: g.origin(id).unit.rawValue, kind: g.kind(id), name: g.nameString(id))
    }
    var recorded = merged.ids.map { origin(merged, $0) }
    for k in 0..<copies.representativeCount {
      let (representative, range) = copies.group(k)
      for c in range {
        var o = origin(merged, representative)
        o.die = copies.dieOffset(c)
        o.unit = copies.unit(c).rawValue
        recorded.append(o)
      }
    }
    #expect(
      recorded.sorted { ($0.die, $0.unit) < ($1.die, $1.unit) }
        == full.ids.map { origin(full, $0) }.sorted { ($0.die, $0.unit) < ($1.die, $1.unit) })
    let reference = try Self.convert(file, dedupAtImport: false)
    let result = try Self.convert(file, dedupAtImport: true, threads: 1, rangesPerThread: 1)
    #expect(result.btf == reference.btf)
  }

  /// Three C units: the first defines `struct foo` with an `int`, the second only declares it, the
  /// third defines it with a `long` and is large enough to be a range of its own when the units
  /// are cut in two. The first range resolves the second unit's declaration to the first unit's
  /// definition; the whole input has two definitions of `foo` that differ, and leaves it.
  static func conflictingDefinitions() throws -> String {
    let clang = try CTools.find("clang", package: "clang")
    let dir = try temporaryDirectory()
    let padding = (0..<200).map { "struct pad\($0) { long a\($0); struct pad\($0) *next; } pad\($0);" }.joined(separator: "\n")
    let units = [
      "a.c": "struct foo { int x; }; struct foo foo_a;",
      "b.c": "struct foo; struct bar { struct foo *f; int n; }; struct bar bar_b;",
      "c.c": "struct foo { long y; }; struct foo foo_c;\n" + padding,
    ]
    var objects: [String] = []
    for (name, text) in units.sorted(by: { $0.key < $1.key }) {
      try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
      let object = dir + "/" + name + ".o"
      let cc = try runTool(clang, ["-g", "-c", dir + "/" + name, "-o", object])
      guard cc.status == 0 else { throw CLIError("clang \(name): \(cc.stderr)") }
      objects.append(object)
    }
    let ld = try runTool(try CTools.find("ld", package: "binutils"), ["-r", "-o", dir + "/conflict.o"] + objects)
    guard ld.status == 0 else { throw CLIError("ld -r: \(ld.stderr)") }
    return dir + "/conflict.o"
  }

  /// A range resolves forward declarations on its own (most of a C range's copies differ only in
  /// reaching a declaration or a definition); when the whole input would not have resolved one,
  /// or to another definition, the conversion runs again without dedup at import and says so.
  @Test func aForwardResolvedDifferentlyInARangeFallsBack() throws {
    let file = try Self.conflictingDefinitions()
    let reference = try Self.convert(file, dedupAtImport: false)
    var options = DWARFImportOptions()
    options.rangesPerThread = 2
    options.canonicalizeRange = { graph, pinned in Dedup.canonicalizeRange(&graph, pinned: pinned) }
    var statistics = ImportStatistics()
    let graph = try DWARFImporter.importFile(path: file, options: options, statistics: &statistics)
    #expect(!statistics.forwardTargetsAtImport.isEmpty, "the first range resolved no forward declaration")
    #expect(Dedup.wholeInputForwardTargets(graph, rangeTargets: statistics.forwardTargetsAtImport) == nil)
    let result = try Self.convert(file, dedupAtImport: true, threads: 1, rangesPerThread: 2)
    #expect(result.btf == reference.btf)
    #expect(result.diagnostics.contains { $0.contains("converted again without dedup at import") }, "\(result.diagnostics)")
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(failure)") }
    // Without the third unit's definition nothing is ambiguous, and nothing runs twice.
    let plain = try Self.convert(corpusObject("split_fwd_mod-O0.o"), dedupAtImport: true, threads: 1, rangesPerThread: 1)
    #expect(plain.diagnostics.isEmpty, "\(plain.diagnostics)")
  }

  /// The check after the passes: a range's definition and the whole input's must end as one node.
  @Test func rangeAndWholeInputDefinitionsMustEndAsOneNode() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4)
    let long = b.int("long", bytes: 8)
    let first = b.structure("foo", bytes: 8, [("x", int, 0)])
    let second = b.structure("foo", bytes: 8, [("x", int, 0)])
    let other = b.structure("foo", bytes: 8, [("x", long, 0)])
    var g = b.graph
    g.merge(second, into: first)
    #expect(Conversion.firstApart([(second, first)], in: g) == nil)
    let apart = Conversion.firstApart([(second, first), (other, first)], in: g)
    #expect(apart?.range == other && apart?.whole == first)
  }

  /// Every corpus object, each cut: the explanations (text and JSON, with and without the
  /// merges listed, and `--explain NAME` for names of types merged as they were read) and the
  /// retention report read the same as without dedup at import: each copy merged at import reads
  /// as the node it was (`DecisionLog.copiesMergedAtImport`).
  @Test(arguments: try corpusFiles())
  func theReportsAreTheSameWhateverTheRanges(file: String) throws {
    _ = try Self.expectSameReports(file)
  }

  /// Units that repeat types the passes decide about (`dwarf_shapes.py copies`: Rust names
  /// sanitize-names renames or qualifies, a Rust base type lower-rust rewrites, anonymous pointers
  /// of two namespace paths): in one range their copies merge as they are read, and every report
  /// still names each copy, with its own DIE, unit and path, and the decisions its representative got.
  @Test func copiesWithDecisionsReadAsTheyDid() throws {
    let file = try DWARFShapeTests.shape("copies", 3)
    let merged = try Self.expectSameReports(file)
    // 3 units of 9 types, in one range: 2 copies of each but the anonymous pointers (5 of them),
    // which merge across paths: one of the two in each unit has another path than its representative.
    #expect(merged["one range"] == 19, "\(merged)")
  }

  /// A declaration merged at import into a definition that comes after it in its unit reads as
  /// that definition, for a reference from another range too (`dwarf_shapes.py forward-later`: a
  /// typedef naming it by DW_FORM_ref_addr). It used to read as void there: the declaration's id
  /// was taken from the definition's before the definition had one.
  @Test func aDeclarationMergedIntoALaterDefinitionKeepsItsDIE() throws {
    let file = try DWARFShapeTests.shape("forward-later")
    let reference = try Self.convert(file, dedupAtImport: false)
    let g = reference.graph
    let typedef = try #require(g.ids.first { g.nameString($0) == "foo_t" })
    #expect(g.nameString(g.ref(typedef)) == "foo", "the reference's typedef is not of struct foo")
    let declaration = try #require(g.ids.first { g.nameString($0) == "foo" && g.kind($0) == .removed && g.memberCount($0) == 0 })
    for cut in Self.cuts {
      let result = try Self.convert(file, dedupAtImport: true, threads: cut.threads, rangesPerThread: cut.rangesPerThread)
      #expect(result.btf == reference.btf, "\(cut.name): the BTF differs from the conversion without dedup at import")
      let copies = result.graph.decisions.copiesMergedAtImport
      #expect(
        (0..<copies.count).contains { copies.dieOffset($0) == g.origin(declaration).dieOffset },
        "\(cut.name): the declaration is not a copy of the definition")
      if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(cut.name): \(failure)") }
    }
  }

  /// Compares every report of `file` converted with dedup at import, each cut, with the reports
  /// without it; returns how many copies each cut merged at import.
  static func expectSameReports(_ file: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Int] {
    let reference = try Self.convert(file, dedupAtImport: false, stats: true)
    let expected = Self.reports(reference, names: [])
    var merged: [String: Int] = [:]
    for cut in Self.cuts {
      let result = try Self.convert(file, dedupAtImport: true, threads: cut.threads, rangesPerThread: cut.rangesPerThread, stats: true)
      if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(file), \(cut.name): \(failure)") }
      merged[cut.name] = result.graph.decisions.copiesMergedAtImport.count
      let names = Self.namesMergedAtImport(result.graph)
      let reports = Self.reports(result, names: names)
      let named = Self.reports(reference, names: names)
      for (what, text) in reports.sorted(by: { $0.key < $1.key }) {
        let want = expected[what] ?? named[what] ?? ""
        #expect(text == want, "\(file), \(cut.name): \(what) differs:\n\(Self.firstDifference(want, text))", sourceLocation: sourceLocation)
      }
    }
    return merged
  }

  /// Names of a few types merged as they were read (their representatives'), for `--explain NAME`.
  static func namesMergedAtImport(_ graph: TypeGraph) -> [String] {
    let copies = graph.decisions.copiesMergedAtImport
    var names: Set<String> = []
    for k in 0..<copies.representativeCount {
      let name = graph.nameString(copies.group(k).representative)
      if !name.isEmpty { names.insert(name) }
    }
    return Array(names.sorted().prefix(4))
  }

  /// Every report of a conversion, by what it is (the `--explain NAME` ones by name), and the
  /// summary line (its counts read the copies as the reports do).
  static func reports(_ result: Conversion.Result, names: [String]) -> [String: String] {
    let e = Explanation(graph: result.graph, importedScopes: result.importedScopes)
    let merges = ExplainFilter(includeMerges: true)
    var out = [
      "--explain-pruned": e.text(), "--explain-pruned --format json": e.json(),
      "--explain-pruned --explain-merges": e.text(filter: merges), "--explain-merges --format json": e.json(filter: merges),
      "--stats": result.retention?.text(inputName: "x") ?? "", "--stats --format json": result.retention?.json(inputName: "x") ?? "",
      "the summary line": result.summary.line,
    ]
    for n in names {
      out["--explain \(n)"] = e.text(filter: ExplainFilter(names: [n]))
      out["--explain \(n) --format json"] = e.json(filter: ExplainFilter(names: [n]))
    }
    return out
  }

  static func firstDifference(_ a: String, _ b: String) -> String {
    let x = a.split(separator: "\n", omittingEmptySubsequences: false)
    let y = b.split(separator: "\n", omittingEmptySubsequences: false)
    guard let i = x.indices.first(where: { $0 >= y.count || x[$0] != y[$0] }) ?? (x.count < y.count ? x.count : nil) else { return "" }
    return "line \(i + 1):\n- \(i < x.count ? x[i] : "(end)")\n+ \(i < y.count ? y[i] : "(end)")"
  }

  /// The reports run with dedup at import and say what they say without it (`rustbtf` as a user
  /// runs it; in each unit of `dwarf_shapes.py copies`, the anonymous pointers of two namespace
  /// paths merge as they are read).
  @Test func theCLIsReportsAreTheSameWithIt() throws {
    let file = try DWARFShapeTests.shape("copies", 3)
    let reports = [
      ["--stats"], ["--explain-pruned"], ["--explain-pruned", "--explain-merges"],
      ["--explain-pruned", "--explain-merges", "--format", "json"],
      ["--explain", "Option<i32>"], ["--explain", "Shape", "--format", "json"],
    ]
    for report in reports {
      var outputs: [String] = []
      for flag in [["--no-dedup-at-import"], [], ["--dedup-at-import"]] {
        let out = temporaryPath(".btf")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try runCLI(flag + report + ["--jobs", "1", file, "-o", out])
        #expect(r.status == 0, "\(flag + report): \(r.stderr)")
        let btf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
        if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(flag + report): \(failure)") }
        outputs.append(r.stdout)
      }
      for k in 1..<outputs.count {
        #expect(outputs[0] == outputs[k], "\(report): \(Self.firstDifference(outputs[0], outputs[k]))")
      }
    }
  }
}

extension DedupAtImportTests {
  /// Split BTF takes the reference path: with a base, nothing is merged as it is read (the final
  /// dedup merges into the base anyway), though the same file on its own merges its copies then.
  @Test func splitBTFIsLeftToTheFinalDedup() throws {
    let base = try Conversion().run(path: corpusObject("c_dedup-O0.elf")).btf
    let file = try DWARFShapeTests.shape("copies", 3)
    #expect(!(try Conversion().run(path: file)).graph.decisions.copiesMergedAtImport.isEmpty, "the file has no copies to merge")
    var with = Conversion(base: base)
    with.dedupAtImport = true
    var without = Conversion(base: base)
    without.dedupAtImport = false
    let a = try with.run(path: file)
    #expect(a.graph.decisions.copiesMergedAtImport.isEmpty, "a split conversion merged copies as they were read")
    #expect(a.btf == (try without.run(path: file)).btf)
    if let failure = KernelCheck.acceptanceFailure(try SplitBTF.concatenate(base: base, split: a.btf)) { Issue.record("\(failure)") }
  }

  /// In a kernel build (pahole's command line) it is on unless `RUSTBTF_DEDUP_AT_IMPORT=0`: the
  /// same `.BTF` either way, for vmlinux's line and a module's split line; a value that is not
  /// yes/no is refused by name, as `RUSTBTF_KEEP_RUST`'s are. `-V`'s summary line says how many
  /// types were merged as they were read: some when unset or `1`, none with `0`.
  @Test func aKernelBuildTurnsItOnWithAVariable() throws {
    let dir = try temporaryDirectory()
    func run(_ value: String?, _ arguments: [String]) throws -> CLIRun {
      try runTool("/usr/bin/env", (value.map { ["RUSTBTF_DEDUP_AT_IMPORT=\($0)"] } ?? []) + [try rustbtfBinary()] + arguments)
    }
    let base = corpusObject("split_fwd_base-O0.elf")
    let module = corpusObject("split_fwd_mod-O0.o")
    let made = try runCLI([base, "-o", dir + "/base.btf"])
    #expect(made.status == 0, "\(made.stderr)")
    for (name, arguments) in [
      ("vmlinux", ["-J", "-j", "--btf_features=encode_force,var,float,decl_tag,type_tag,enum64"]),
      ("module", ["-J", "-j", "--btf_base", dir + "/base.btf"]),
    ] {
      // The vmlinux line's input has copies within a unit (a C unit of the corpus has none of its
      // own, and each is a range of its own here), so -V shows whether they merged as read.
      let file = name == "vmlinux" ? try DWARFShapeTests.shape("copies", 3) : module
      var outputs: [[UInt8]] = []
      for value in ["0", nil, "1"] {
        let out = dir + "/\(name)-\(value ?? "off").btf"
        let r = try run(value, arguments + ["-V", "--btf_encode_detached", out, file])
        #expect(r.status == 0, "\(name) \(value ?? "unset"): \(r.stderr)")
        if name == "vmlinux" {
          #expect(r.stderr.contains("merges made as the types were read") == (value != "0"), "\(value ?? "unset"): \(r.stderr)")
        }
        outputs.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
      }
      #expect(outputs.allSatisfy { $0 == outputs[0] } && !outputs[0].isEmpty, "\(name): RUSTBTF_DEDUP_AT_IMPORT changed the BTF")
      let verify = try runCLI(["verify", "--kernel"] + (name == "module" ? ["-B", dir + "/base.btf"] : []) + [dir + "/\(name)-1.btf"])
      #expect(verify.status == 0, "\(name): \(verify.stdout)\(verify.stderr)")
    }
    let bad = try run("2", ["-J", "--btf_encode_detached", dir + "/x.btf", corpusObject("c_dedup-O0.elf")])
    #expect(bad.status == 64 && bad.stderr.contains("RUSTBTF_DEDUP_AT_IMPORT='2' is not a yes/no value"), "\(bad.stderr)")
  }
}
