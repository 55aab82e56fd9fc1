import Encode
import LayoutCheck
import Lower
import Merge
import RustBTF
import Testing
import TypeGraph
import Verify

/// `lower-rust` on small hand-built graphs shaped as the importer builds rustc's DWARF (the
/// corpus goldens in `Corpus/golden/lower-rust/` and `LayoutTests` cover real objects).
@Suite struct LowerRustTests {
  let registry = StandardPasses.registry

  /// A Rust enum as the importer builds it: STRUCT `name` holding one anonymous member typed as
  /// a variant part, whose entries are the discriminant (when `discriminant` is given) and one
  /// variant per `(name, value)`; each variant holds one member named after it, typed as a
  /// `bytes`-sized struct named after it (or `structNames[i]`, as coroutines name them). With a
  /// `scope`, the enum's path is `scope` and the variant structs' is `scope::name`, as the
  /// importer nests them. Returns the enum and the variant structs.
  static func rustEnum(
    _ b: inout GraphBuilder, _ name: String, bytes: UInt32, discriminant: (type: TypeID, bitOffset: UInt64, name: String)?,
    variants: [(String, UInt64?)], structNames: [String] = [], scope: String = ""
  ) -> (TypeID, [TypeID]) {
    let inner = b.name(scope.isEmpty ? name : scope + "::" + name)
    let e = b.graph.add(.structure, name: b.name(name), size: bytes, flags: .rust, scope: b.name(scope))
    let part = b.graph.add(.unrepresentable, flags: .rust, dwarfTag: DWARFTag.variantPart, scope: inner)
    var entries: [Member] = []
    if let d = discriminant {
      entries.append(Member(name: b.name(d.name), type: d.type, value: d.bitOffset, bits: VariantFlags.discriminant.rawValue))
    }
    var structs: [TypeID] = []
    for (i, (variant, value)) in variants.enumerated() {
      let structName = structNames.isEmpty ? variant : structNames[i]
      let s = b.graph.add(.structure, name: b.name(structName), size: bytes, flags: .rust, scope: inner)
      let v = b.graph.add(.unrepresentable, flags: .rust, dwarfTag: DWARFTag.variant, scope: inner)
      b.graph.setMembers(v, [Member(name: b.name(variant), type: s)])
      entries.append(Member(type: v, value: value ?? 0, bits: value == nil ? 0 : VariantFlags.hasDiscriminantValue.rawValue))
      structs.append(s)
    }
    b.graph.setMembers(part, entries)
    b.graph.setMembers(e, [Member(type: part)])
    return (e, structs)
  }

  @Test func enumKeepsDiscriminantAndVariants() throws {
    var b = GraphBuilder()
    let u8 = b.int("u8", bytes: 1)
    let (e, structs) = Self.rustEnum(&b, "Tagged", bytes: 8, discriminant: (u8, 8, ""), variants: [("A", 3), ("B", nil)])
    var g = b.graph
    try run("lower-rust", on: &g, registry: registry)

    #expect(g.kind(e) == .structure && g.size(e) == 8 && g.memberCount(e) == 1)
    let union = g.members(of: e)[0].type
    #expect(g.kind(union) == .union && g.size(union) == 8 && g.name(union).isEmpty)
    let seen = flattenedMembers(g, e)
    #expect(seen.map(\.name) == ["discriminant", "A", "B"])
    let discriminant = try #require(seen.first)
    #expect(discriminant.bitOffset == 8)
    let enumType = discriminant.type
    #expect(g.kind(enumType) == .enumeration && g.size(enumType) == 1 && g.nameString(enumType) == "Tagged::Discriminant")
    // B has no value: the default variant gets no enumerator.
    #expect(g.members(of: enumType).map { "\(g.strings.string($0.name))=\($0.value)" } == ["A=3"])
    #expect(seen[1].type == structs[0] && seen[2].type == structs[1] && seen[1].bitOffset == 0)
    #expect(structs.map(g.nameString) == ["Tagged::A", "Tagged::B"])
    // No variant part or variant is left, and nothing references a tombstone.
    #expect(!g.ids.contains { g.kind($0) == .unrepresentable })
    #expect(g.verify().isEmpty, "\(g.verify())")
    let reason = try #require(g.decisions.entries.first { $0.subject == e }?.reason.description)
    #expect(reason.contains("A = 3") && reason.contains("B = any other value"), "\(reason)")

    let once = g.dump()
    var again: any Pass = LowerRust()
    var context = PassContext()
    #expect(try again.run(on: &g, context: &context) == .unchanged)
    #expect(g.dump() == once)
  }

  @Test func signedDiscriminantsAreSignExtendedAndNamesDoNotCollide() throws {
    var b = GraphBuilder()
    let i8 = b.int("i8", bytes: 1, signed: true)
    // A variant called `discriminant` pushes the discriminant's name to `__discriminant`.
    let (e, _) = Self.rustEnum(&b, "E", bytes: 2, discriminant: (i8, 0, ""), variants: [("discriminant", 0xff), ("Z", 1)])
    var g = b.graph
    try run("lower-rust", on: &g, registry: registry)
    let seen = flattenedMembers(g, e)
    #expect(seen.map(\.name) == ["__discriminant", "discriminant", "Z"])
    let t = seen[0].type
    #expect(g.flags(t).contains(.signed))
    #expect(g.members(of: t).map(\.value) == [UInt64.max, 1], "0xff of an i8 is -1")
  }

  @Test func wideOrValuelessDiscriminantsKeepTheirIntegerType() throws {
    var b = GraphBuilder()
    let u128 = b.int("u128", bytes: 16)
    let u32 = b.int("u32", bytes: 4)
    let (wide, _) = Self.rustEnum(&b, "Huge", bytes: 32, discriminant: (u128, 0, ""), variants: [("Small", 1)])
    let (niche, _) = Self.rustEnum(&b, "AllDefault", bytes: 4, discriminant: (u32, 0, ""), variants: [("Only", nil)])
    let (noDiscr, _) = Self.rustEnum(&b, "Single", bytes: 8, discriminant: nil, variants: [("Only", 0)])
    let (empty, _) = Self.rustEnum(&b, "Infallible", bytes: 0, discriminant: nil, variants: [])
    var g = b.graph
    try run("lower-rust", on: &g, registry: registry)
    #expect(flattenedMembers(g, wide).first?.type == u128)
    #expect(flattenedMembers(g, niche).first?.type == u32)
    #expect(flattenedMembers(g, noDiscr).map(\.name) == ["Only"])
    #expect(g.memberCount(empty) == 0 && g.kind(empty) == .structure)
    #expect(g.verify().isEmpty, "\(g.verify())")
  }

  @Test func unsizedTailsBecomeZeroLengthArraysAndCIsUntouched() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let u8 = b.int("u8", bytes: 1)
    let tail = b.structure("Tail<[u8]>", bytes: 4, [("len", u32, 0), ("data", u8, 32)])
    b.graph.setFlags(tail, .rust)
    let c = b.structure("c_struct", bytes: 4, [("len", u32, 0), ("data", u8, 32)])
    var g = b.graph
    try run("lower-rust", on: &g, registry: registry)
    let data = g.members(of: tail)[1]
    #expect(data.value == 32 && g.kind(data.type) == .array && g.aux(data.type) == 0 && g.ref(data.type) == u8)
    #expect(g.size(tail) == 4)
    #expect(g.members(of: c)[1].type == u8, "C structs are not lowered")
  }

  @Test func repeatedMembersAreDroppedOnce() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let s = b.structure("Suspend0", bytes: 8, [("name", u32, 0), ("a", u32, 32), ("name", u32, 0)])
    b.graph.setFlags(s, .rust)
    var g = b.graph
    try run("lower-rust", on: &g, registry: registry)
    #expect(g.members(of: s).map { g.strings.string($0.name) } == ["name", "a"])
  }

  /// Issue 19: dedup before `lower-rust`, keyed by namespace path and Rust flag as hash-consing
  /// at import would be, merges the variant structs of two units' copies of an enum while the
  /// copies stay apart (each holds its own variant part, which never merges). The pipeline then
  /// gives the BTF it gives without that dedup: each shared struct is named after its enum
  /// once (not `Option<&u8>::Option<&u8>::None`), a coroutine's variants keep the names of
  /// their structs, and `Option<u32>`'s `None`, equal to `Option<&u8>`'s but of another path,
  /// keeps its own name.
  @Test func variantStructsMergedBeforeLoweringAreNamedOnce() throws {
    var b = GraphBuilder()
    // Per unit: the enum copies and their variant structs (`None`, `Unresumed`).
    var copies: [(option: TypeID, none: TypeID, coroutine: TypeID, unresumed: TypeID)] = []
    for unit in 0..<2 {
      let u8 = b.int("u8", bytes: 1)
      let u64 = b.int("u64", bytes: 8)
      let (option, variants) = Self.rustEnum(
        &b, "Option<&u8>", bytes: 8, discriminant: (u64, 0, ""), variants: [("None", 0), ("Some", nil)], scope: "core::option")
      b.graph.setMembers(variants[1], [Member(name: b.name("__0"), type: b.pointer(to: u8), value: 0)])
      let (coroutine, states) = Self.rustEnum(
        &b, "{async_fn_env#0}", bytes: 16, discriminant: (u8, 0, "__state"), variants: [("0", 0), ("1", 1), ("3", 3)],
        structNames: ["Unresumed", "Returned", "Suspend0"], scope: "demo::run")
      b.graph.setMembers(states[2], [Member(name: b.name("a"), type: u64, value: 64)])
      copies.append((option, variants[0], coroutine, states[0]))
      if unit == 0 {
        let u32 = b.int("u32", bytes: 4)
        let (_, other) = Self.rustEnum(
          &b, "Option<u32>", bytes: 8, discriminant: (u32, 0, ""), variants: [("None", 0), ("Some", 1)], scope: "core::option")
        b.graph.setMembers(other[1], [Member(name: b.name("__0"), type: u32, value: 32)])
      }
    }
    for id in b.graph.ids { b.graph.setFlags(id, b.graph.flags(id).union(.rust)) }
    let imported = b.graph

    // What that dedup merges: the variant structs of the two copies, not the copies.
    var scoped = Dedup()
    scoped.mergesFunctions = false
    scoped.labelsScopeAndLanguage = true
    var dedupped = imported
    var context = PassContext()
    _ = try scoped.run(on: &dedupped, context: &context)
    for c in copies { #expect(dedupped.kind(c.option) == .structure && dedupped.kind(c.coroutine) == .structure) }
    #expect(dedupped.kind(copies[0].none) == .structure && dedupped.kind(copies[1].none) == .removed)
    #expect(dedupped.kind(copies[0].unresumed) == .structure && dedupped.kind(copies[1].unresumed) == .removed)

    let today = try Conversion().run(graph: imported, inputName: "two units")
    var passes = StandardPasses.all().passes
    passes.insert(scoped, at: 0)
    let scopedFirst = try Conversion(pipeline: PassPipeline(passes)).run(graph: imported, inputName: "two units")
    for (order, result) in [("today", today), ("scoped-first", scopedFirst)] {
      #expect(BTFValidator.validate(result.btf, mode: .load).isEmpty, "\(order)")
      if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("\(order): \(failure)") }
    }
    func structNames(_ g: TypeGraph) -> [String] { g.ids.filter { g.kind($0) == .structure }.map(g.nameString).sorted() }
    let names = structNames(today.graph)
    #expect(["Option_ref_u8___None", "Option_u32___None", "async_fn_env_0__Unresumed"].allSatisfy(names.contains), "\(names)")
    #expect(structNames(scopedFirst.graph) == names)
    let sameBTF = scopedFirst.btf == today.btf
    #expect(sameBTF, "scoped-first writes other BTF than today's order")
  }

  /// The whole default pipeline on a hand-built enum gives BTF the validator and the kernel
  /// accept, and the C view of the enum (anonymous members flattened) is as DWARF described it.
  @Test func loweredEnumEncodesAndLoads() throws {
    var b = GraphBuilder()
    let u16 = b.int("u16", bytes: 2)
    let (e, structs) = Self.rustEnum(&b, "Option<u16>", bytes: 4, discriminant: (u16, 0, ""), variants: [("None", 0), ("Some", 1)])
    b.graph.setMembers(structs[1], [Member(name: b.name("__0"), type: u16, value: 16)])
    for id in b.graph.ids { b.graph.setFlags(id, b.graph.flags(id).union(.rust)) }
    let result = try Conversion().run(graph: b.graph, inputName: "hand-built")
    #expect(BTFValidator.validate(result.btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(result.btf) { Issue.record("hand-built Option<u16>: \(failure)") }
    let seen = flattenedMembers(result.graph, e)
    #expect(seen.map { "\($0.name)@\($0.bitOffset)" } == ["discriminant@0", "None@0", "Some@0"])
  }
}
