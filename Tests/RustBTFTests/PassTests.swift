import Encode
import Lower
import Prune
import RustBTF
import Sanitize
import Testing
import TypeGraph
import Verify

/// Each pass on a tiny hand-built graph: what it changes, and that a second run changes nothing.
@Suite struct PassTests {
  let registry = StandardPasses.registry

  @Test func demoteMapsOrVoidsEveryUnrepresentableNode() throws {
    var b = GraphBuilder()
    let u8 = b.int("u8", bytes: 1) /* [1] */
    let part = b.unrepresentable(tag: DWARFTag.variantPart) /* [2] */
    let ref = b.graph.add(.unrepresentable, ref: u8, dwarfTag: DWARFTag.referenceType) /* [3] */
    let unit = b.int("()", bytes: 0) /* [4] */
    var g = b.graph
    try run("demote-unrepresentable", on: &g, registry: registry)
    #expect(g.kind(part) == .void)
    #expect(g.kind(ref) == .pointer && g.ref(ref) == u8)
    #expect(g.kind(unit) == .structure && g.size(unit) == 0)
    #expect(
      g.decisions.entries.contains { $0.subject == part && $0.reason == DemoteUnrepresentable.Reason.noBTFKind(tag: DWARFTag.variantPart) })
    let once = g.dump()
    try run("demote-unrepresentable", on: &g, registry: registry)
    #expect(g.dump() == once)
  }

  @Test func sanitizeIsReadableInjectiveBoundedAndSortsMembers() throws {
    var b = GraphBuilder()
    let u8 = b.int("u8", bytes: 1)
    let opt = b.structure("Option<u8>", bytes: 2, [("b", u8, 8), ("a", u8, 0)])
    let literal = b.structure("Option_u8_", bytes: 1, [])
    let ptr = b.pointer(to: opt, name: "*const Option<u8>")
    let long = b.structure(String(repeating: "Wrapper<", count: 80) + "u8" + String(repeating: ">", count: 80), bytes: 1, [])
    var g = b.graph
    try run("demote-unrepresentable,sanitize-names", on: &g, registry: registry)
    let optName = g.nameString(opt)
    #expect(optName.hasPrefix("Option_u8_") && optName != g.nameString(literal), "\(optName)")
    #expect(g.nameString(literal) == "Option_u8_")
    #expect(g.name(ptr).isEmpty)
    #expect(g.nameString(long).utf8.count == 512)
    #expect(
      g.nameString(long).hasSuffix(
        "_" + NamePolicy.hash8(String(repeating: "Wrapper<", count: 80) + "u8" + String(repeating: ">", count: 80))))
    #expect(g.members(of: opt).map(\.value) == [0, 8])
    #expect(NamePolicy.readable("()") == "unit" && NamePolicy.readable("&mut [u8]") == "ref_mut_arr_u8_")
    let once = g.dump()
    try run("demote-unrepresentable,sanitize-names", on: &g, registry: registry)
    #expect(g.dump() == once)
    var short = b.graph
    try run("demote-unrepresentable,sanitize-names<max-length=128>", on: &short, registry: registry)
    #expect(short.nameString(long).utf8.count == 128)
  }

  @Test func pruneKeepsLayoutWithOpaqueBytes() throws {
    var b = GraphBuilder()
    let u32 = b.int("u32", bytes: 4)
    let wide = b.unrepresentable(tag: DWARFTag.baseType, bytes: 32, name: "u256")
    let part = b.unrepresentable(tag: DWARFTag.variantPart)
    let s = b.structure("S", bytes: 40, [("a", u32, 0), ("w", wide, 64)])
    let e = b.structure("E", bytes: 8, [("", part, 0)])
    let arr = b.array(of: wide, count: 2)
    let holder = b.structure("H", bytes: 64, [("arr", arr, 0)])
    let f = b.function("f", returns: u32, params: [("x", wide)])
    let p = b.pointer(to: wide)
    var g = b.graph
    try run("demote-unrepresentable,prune-dependents", on: &g, registry: registry)
    let sm = g.members(of: s)
    #expect(sm.count == 2 && g.byteSize(of: sm[1].type) == 32 && sm[1].value == 64)
    let em = g.members(of: e)
    #expect(em.count == 1 && g.byteSize(of: em[0].type) == 8)
    #expect(g.byteSize(of: arr) == 64 && g.byteSize(of: g.members(of: holder)[0].type) == 64)
    #expect(g.kind(f) == .removed)
    #expect(g.kind(p) == .pointer && g.kind(g.ref(p)) == .void)
    // The removed FUNC's decision names its cause: the prototype, demoted because of the u256.
    let d = g.decisions.entries.last { $0.subject == f }!
    #expect(d.cause != nil && g.decisions[d.cause!].reason == PruneDependents.Reason.parameterUnsized(index: 0))
    #expect(g.verify().isEmpty)
    let once = g.dump()
    try run("demote-unrepresentable,prune-dependents", on: &g, registry: registry)
    #expect(g.dump() == once)
  }

  @Test func pruneBreaksByValueCycles() throws {
    var b = GraphBuilder()
    let a = b.graph.add(.typedef, name: b.name("a"))
    let c = b.typedef("c", a)
    b.graph.setRef(a, c)
    var g = b.graph
    #expect(g.findByValueCycle() != nil)
    try run("demote-unrepresentable,prune-dependents", on: &g, registry: registry)
    #expect(g.findByValueCycle() == nil)
  }

  @Test func dedupMergesEqualTypesIncludingCyclesAndKeepsDifferentOnes() throws {
    var b = GraphBuilder()
    // Two compile units' copies of `struct list { struct list *next; int v; }` and a different one.
    func list(_ b: inout GraphBuilder, valueName: String) -> TypeID {
      let i = b.int("int", bytes: 4, signed: true)
      let s = b.graph.add(.structure, name: b.name("list"), size: 16)
      let p = b.pointer(to: s)
      b.graph.setMembers(s, [Member(name: b.name("next"), type: p, value: 0), Member(name: b.name(valueName), type: i, value: 64)])
      return s
    }
    let l1 = list(&b, valueName: "v")
    let l2 = list(&b, valueName: "v")
    let l3 = list(&b, valueName: "w")
    var g = b.graph
    try run("dedup", on: &g, registry: registry)
    #expect(g.kind(l1) == .structure && g.kind(l2) == .removed && g.kind(l3) == .structure)
    #expect(g.liveCount == 5) // int, list, ptr, and list(w) with its own ptr
    #expect(g.decisions.mergedSubjects.contains(l2))
    let once = g.dump()
    try run("dedup", on: &g, registry: registry)
    #expect(g.dump() == once)
  }

  @Test func emissionOrderPutsByValueDependenciesFirst() throws {
    var b = GraphBuilder()
    var inner = TypeID.void
    var outer: [TypeID] = []
    // 40 nested structs declared outermost first, deeper than the kernel's resolve limit of 32.
    for n in 0..<40 { outer.append(b.graph.add(.structure, name: b.name("S\(n)"), size: 4)) }
    inner = b.int("u32", bytes: 4)
    for n in 0..<40 {
      b.graph.setMembers(outer[n], [Member(name: b.name("x"), type: n == 39 ? inner : outer[n + 1], value: 0)])
    }
    var g = b.graph
    try run("all", on: &g, registry: registry)
    let order = g.encodingOrder()
    for n in 0..<39 { #expect(order[outer[n].index] > order[outer[n + 1].index]) }
  }

  /// A DATASEC whose every VAR lost its type is removed (the kernel rejects one without
  /// entries, "vlen == 0"); one that keeps a VAR keeps it.
  @Test func pruneRemovesADataSectionLeftEmpty() throws {
    var b = GraphBuilder()
    let int = b.int("int", bytes: 4, signed: true) /* [1] */
    let gone = b.unrepresentable(tag: DWARFTag.unspecifiedType) /* [2] */
    let lost = b.graph.add(.variable, name: b.name("lost"), ref: gone, aux: 1) /* [3] */
    let kept = b.graph.add(.variable, name: b.name("kept"), ref: int, aux: 1) /* [4] */
    let empty = b.graph.add(.dataSection, name: b.name(".data..percpu"), size: 8) /* [5] */
    b.graph.setMembers(empty, [Member(type: lost, value: 0, bits: 4)])
    let half = b.graph.add(.dataSection, name: b.name(".data"), size: 8) /* [6] */
    b.graph.setMembers(half, [Member(type: lost, value: 0, bits: 4), Member(type: kept, value: 4, bits: 4)])
    var g = b.graph
    try run("demote-unrepresentable,sanitize-names,prune-dependents", on: &g, registry: registry)
    #expect(g.kind(lost) == .removed && g.kind(empty) == .removed)
    #expect(g.members(of: half).map(\.type) == [kept])
    #expect(g.decisions.entries.contains { $0.subject == empty && $0.reason == PruneDependents.Reason.emptyDataSection })
    let btf = try BTFEncoder().encode(g)
    #expect(BTFValidator.validate(btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }
  }
}
