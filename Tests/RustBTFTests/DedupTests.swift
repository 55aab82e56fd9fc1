import Encode
import Foundation
import RustBTF
import Testing
import TypeGraph

/// `dedup` on hand-built graphs (forward declarations, anonymous types, forced hash collisions)
/// and, where pahole is installed, parity with libbpf's `btf__dedup` on the C corpus.
@Suite struct DedupTests {
  let registry = StandardPasses.registry

  /// `struct list { struct list *next; int v; }` in the caller's unit.
  static func list(_ b: inout GraphBuilder, _ int: TypeID) -> TypeID {
    let s = b.graph.add(.structure, name: b.name("list"), size: 16)
    let p = b.pointer(to: s)
    b.graph.setMembers(s, [Member(name: b.name("next"), type: p, value: 0), Member(name: b.name("v"), type: int, value: 64)])
    return s
  }

  @Test func forwardResolvesToTheUniqueDefinition() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true) /* [1] */
    let def = Self.list(&b, int) /* [2] list, [3] ptr */
    // Another unit only sees `struct list;` and holds `struct holder { struct list *l; }`.
    let fwd = b.graph.add(.forward, name: b.name("list")) /* [4] */
    let p = b.pointer(to: fwd) /* [5] */
    let h1 = b.structure("holder", bytes: 8, [("l", p, 0)]) /* [6] */
    // The unit with the definition has the same holder.
    let p2 = b.pointer(to: def) /* [7] */
    let h2 = b.structure("holder", bytes: 8, [("l", p2, 0)]) /* [8] */
    // `union list;` is another family: it stays.
    let ufwd = b.graph.add(.forward, name: b.name("list"), aux: 1) /* [9] */
    _ = b.pointer(to: ufwd) /* [10] */
    var g = b.graph
    try run("dedup", on: &g, registry: registry)
    #expect(g.kind(fwd) == .removed)
    #expect(g.kind(h1) == .structure && g.kind(h2) == .removed)
    #expect(g.kind(def) == .structure && g.kind(ufwd) == .forward)
    #expect(g.memberTypes[g.memberRange(h1).lowerBound] == g.memberTypes[g.memberRange(def).lowerBound])
    #expect(g.liveCount == 6) // int, list, ptr list, holder, union fwd, its ptr
  }

  @Test func forwardStaysWhenTwoDifferentDefinitionsShareTheName() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let a = b.structure("cfg", bytes: 4, [("x", int, 0)])
    let c = b.structure("cfg", bytes: 8, [("x", int, 0), ("y", int, 32)])
    let fwd = b.graph.add(.forward, name: b.name("cfg"))
    let p = b.pointer(to: fwd)
    var g = b.graph
    try run("dedup", on: &g, registry: registry)
    #expect(g.kind(fwd) == .forward && g.ref(p) == fwd)
    #expect(g.kind(a) == .structure && g.kind(c) == .structure)
  }

  @Test func forwardEnumMergesWithTheFullEnum() throws {
    var b = GraphBuilder()
    let e = b.graph.add(.enumeration, name: b.name("state"), size: 4)
    b.graph.setMembers(e, [Member(name: b.name("ON"), value: 1), Member(name: b.name("OFF"), value: 0)])
    let decl = b.graph.add(.enumeration, name: b.name("state"), size: 4, flags: .declaration)
    let f1 = b.function("set", returns: .void, params: [("s", e)])
    let f2 = b.function("reset", returns: .void, params: [("s", decl)])
    var g = b.graph
    try run("dedup", on: &g, registry: registry)
    #expect(g.kind(decl) == .removed)
    #expect(g.ref(f1) == g.ref(f2)) // both FUNCs now share one FUNC_PROTO
  }

  @Test func anonymousStructMergesOnlyWithTheSameSurroundings() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let long = b.int("long", bytes: 8, signed: true)
    // outer { struct { int a; } in; } in two units, and one whose anonymous struct holds a long.
    let anon1 = b.structure("", bytes: 4, [("a", int, 0)])
    let o1 = b.structure("outer", bytes: 4, [("in", anon1, 0)])
    let anon2 = b.structure("", bytes: 4, [("a", int, 0)])
    let o2 = b.structure("outer", bytes: 4, [("in", anon2, 0)])
    let anon3 = b.structure("", bytes: 4, [("a", long, 0)])
    let o3 = b.structure("outer", bytes: 4, [("in", anon3, 0)])
    var g = b.graph
    try run("dedup", on: &g, registry: registry)
    #expect(g.kind(anon2) == .removed && g.kind(o2) == .removed)
    #expect(g.kind(anon1) == .structure && g.kind(anon3) == .structure && g.kind(o3) == .structure)
    #expect(g.kind(o1) == .structure)
  }

  /// A difference at the bottom of a deep chain takes one refinement round per level to reach
  /// the top: every level of the differing copy must stay apart, every level of the equal
  /// copies merge, and classes the difference never reaches merge too (the later rounds move
  /// them whole, without a lookup).
  @Test func aDeepDifferenceSplitsEveryLevelAboveIt() throws {
    var b = GraphBuilder()
    func chain(_ b: inout GraphBuilder, bottomBytes: UInt32) -> [TypeID] {
      var levels = [b.int("word", bytes: bottomBytes)]
      levels.append(b.structure("s1", bytes: 8, [("a", levels.last!, 0)]))
      levels.append(b.pointer(to: levels.last!))
      levels.append(b.structure("s3", bytes: 8, [("p", levels.last!, 0)]))
      levels.append(b.typedef("t4", levels.last!))
      levels.append(b.structure("s5", bytes: 8, [("x", levels.last!, 0)]))
      levels.append(b.array(of: levels.last!, count: 2))
      levels.append(b.structure("top", bytes: 16, [("arr", levels.last!, 0)]))
      return levels
    }
    let first = chain(&b, bottomBytes: 4)
    let same = chain(&b, bottomBytes: 4)
    let different = chain(&b, bottomBytes: 8)
    let bystanders = (0..<2).map { _ in b.structure("bystander", bytes: 4, [("v", b.int("int", bytes: 4, signed: true), 0)]) }
    var g = b.graph
    try run("dedup", on: &g, registry: registry)
    for level in 0..<first.count {
      #expect(g.kind(first[level]) != .removed, "level \(level): the first copy is kept")
      #expect(g.kind(same[level]) == .removed, "level \(level): the equal copy merges")
      #expect(g.kind(different[level]) != .removed, "level \(level): the copy that differs at the bottom stays apart")
    }
    #expect(g.kind(bystanders[0]) == .structure && g.kind(bystanders[1]) == .removed)
  }

  /// Every hash equal (libbpf's `force_collisions`): the equality checks alone must give the
  /// same graph as the hashes do.
  @Test func forcedHashCollisionsGiveTheSameResult() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let int2 = b.int("int", bytes: 4, signed: true)
    let u8 = b.int("u8", bytes: 1)
    for i in [int, int2, int] { _ = Self.list(&b, i) }
    let fwd = b.graph.add(.forward, name: b.name("list"))
    _ = b.structure("holder", bytes: 8, [("l", b.pointer(to: fwd), 0)])
    for t in [u8, int, u8] {
      let anon = b.structure("", bytes: 4, [("a", t, 0)])
      _ = b.structure("outer", bytes: 4, [("in", anon, 0)])
      _ = b.typedef("outer_t", b.array(of: anon, count: 3))
      _ = b.function("f", returns: t, params: [("x", b.pointer(to: anon))])
    }
    var plain = b.graph
    var forced = b.graph
    try run("dedup", on: &plain, registry: registry)
    try run("dedup<force-collisions>", on: &forced, registry: registry)
    #expect(forced.dump() == plain.dump())
    #expect(plain.liveCount < b.graph.liveCount)
  }

  /// The same on real inputs: a C program with one struct in two units and a Rust/C mix.
  @Test(arguments: ["c_dedup-O0.elf", "mixed-O0.elf"])
  func forcedHashCollisionsGiveTheSameResultOnTheCorpus(file: String) throws {
    let graph = try DWARFImporter.importFile(path: packageRoot + "/Corpus/objects/" + file)
    let before = "demote-unrepresentable,sanitize-names,prune-dependents,"
    var plain = graph
    var forced = graph
    try run(before + "dedup", on: &plain, registry: registry)
    try run(before + "dedup<force-collisions>", on: &forced, registry: registry)
    #expect(forced.dump() == plain.dump())
  }

  @Test func arraysUseTheInputsIntAsIndexType() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true)
    let a = b.array(of: int, count: 4)
    let synthesized = b.graph.arrayIndexTypeID
    var g = b.graph
    try run("dedup", on: &g, registry: registry)
    #expect(g.arrayIndexTypeID == int && g.kind(synthesized) == .removed && g.kind(a) == .array)
  }

  /// `DWARFImportOptions.excludeLanguages` (pahole's `--lang_exclude`), which the parity
  /// comparison on a Rust-enabled vmlinux needs: Rust units are skipped whole.
  @Test func importCanSkipRustUnits() throws {
    let file = packageRoot + "/Corpus/objects/mixed-O0.elf"
    var all = ImportStatistics()
    var cOnly = ImportStatistics()
    let full = try DWARFImporter.importFile(path: file, options: .init(excludeLanguages: []), statistics: &all)
    let c = try DWARFImporter.importFile(
      path: file, options: .init(excludeLanguages: DWARFImportOptions.languages(named: "rust")!), statistics: &cOnly)
    #expect(full.ids.contains { full.flags($0).contains(.rust) })
    #expect(!c.ids.contains { c.flags($0).contains(.rust) })
    #expect(cOnly.excludedUnits > 0 && all.excludedUnits == 0 && c.count < full.count)
    #expect(c.ids.contains { c.kind($0) == .structure })
    #expect(DWARFImportOptions.languages(named: "rust,c") != nil && DWARFImportOptions.languages(named: "cobol") == nil)
  }

  // MARK: Parity with pahole (libbpf's btf__dedup)

  /// On every C file of the corpus: each named struct, union, enum and typedef pahole emits is
  /// in rustbtf's BTF with the same size and members, and rustbtf's total type count (FUNCs
  /// chosen by ELF symbol, VARs and DATASECs, multi-dimensional arrays flattened as pahole
  /// does) is at most pahole's. Runs where pahole is installed (`dwarves`).
  @Test(.enabled(if: paholePath() != nil), arguments: try corpusFiles().filter { $0.split(separator: "/").last!.hasPrefix("c_") })
  func namedTypesAndCountMatchPahole(file: String) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let out = dir + "/pahole.btf"
    let run = try runTool(paholePath()!, ["--btf_encode_detached=" + out, file])
    try #require(run.status == 0, "pahole failed on \(file): \(run.stderr)")
    let pahole = try BTFDecoder.decode(try readFile(out))
    let ours = try BTFDecoder.decode(try Conversion().run(path: file).btf)
    let theirs = Self.namedLayouts(pahole)
    let mine = Self.namedLayouts(ours)
    for (key, layouts) in theirs {
      #expect(mine[key] != nil, "\(file): rustbtf lacks \(key)")
      if let have = mine[key] {
        #expect(layouts.isSubset(of: have), "\(file): \(key) differs: pahole \(layouts.subtracting(have)), rustbtf \(have)")
      }
    }
    // Debian's pahole (1.24) predates decl_tag_kfuncs: the kfunc tags tag-kfuncs adds are not
    // counted against it.
    let count = Self.totalCount(ours) - Self.count(ours, .declTag)
    let reference = Self.totalCount(pahole)
    #expect(count <= reference, "\(file): \(count) types, pahole \(reference)")
    #expect(Self.count(ours, .function) <= Self.count(pahole, .function), "\(file): more FUNCs than pahole")
    #expect(Self.count(ours, .variable) <= Self.count(pahole, .variable), "\(file): more VARs than pahole")
  }

  /// Named struct/union/enum/typedef -> the set of their layouts, described without type ids.
  static func namedLayouts(_ g: TypeGraph) -> [String: Set<String>] {
    var out: [String: Set<String>] = [:]
    for id in g.ids where !g.name(id).isEmpty {
      let k = g.kind(id)
      var layout: String
      switch k {
      case .structure, .union:
        layout =
          "\(g.size(id)):"
          + g.memberRange(id).map { "\(g.strings.string(g.memberNames[$0]))@\(g.memberValues[$0]):\(g.memberBits[$0])" }.joined(
            separator: ",")
      case .enumeration, .enum64:
        layout =
          "\(g.size(id)):"
          + g.memberRange(id).map { "\(g.strings.string(g.memberNames[$0]))=\(g.memberValues[$0] & (g.size(id) >= 8 ? ~0 : 0xffff_ffff))" }
          .joined(separator: ",")
      case .typedef:
        layout = describe(g, g.ref(id), depth: 0)
      default: continue
      }
      let family = k == .enum64 ? "enumeration" : "\(k)"
      out["\(family) \(g.nameString(id))", default: []].insert(layout)
    }
    return out
  }

  static func describe(_ g: TypeGraph, _ id: TypeID, depth: Int) -> String {
    if id.isVoid || depth > 8 { return "void" }
    let k = g.kind(id)
    switch k {
    case .pointer, .const, .volatile, .restrict, .typeTag: return "\(k) " + describe(g, g.ref(id), depth: depth + 1)
    case .array: return "[\(g.aux(id))]" + describe(g, g.ref(id), depth: depth + 1)
    case .forward: return (g.aux(id) == 1 ? "union " : "structure ") + g.nameString(id)
    case .functionProto:
      return "fn(" + g.memberRange(id).map { describe(g, g.memberTypes[$0], depth: depth + 1) }.joined(separator: ",") + ")"
    default: return g.name(id).isEmpty ? "anon \(k) \(g.size(id))" : "\(k == .enum64 ? .enumeration : k) \(g.nameString(id))"
    }
  }

  /// Every live type, as the BTF counts them.
  static func totalCount(_ g: TypeGraph) -> Int { g.ids.filter { g.kind($0).isBTF }.count }

  static func count(_ g: TypeGraph, _ kind: Kind) -> Int { g.ids.filter { g.kind($0) == kind }.count }
}

/// pahole on PATH (Debian's `dwarves`), or `RUSTBTF_PAHOLE`.
func paholePath() -> String? {
  if let p = ProcessInfo.processInfo.environment["RUSTBTF_PAHOLE"] { return p }
  for dir in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] where FileManager.default.isExecutableFile(atPath: dir + "/pahole") {
    return dir + "/pahole"
  }
  return nil
}
