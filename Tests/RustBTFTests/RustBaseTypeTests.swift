import Encode
import Lower
import RustBTF
import Testing
import TypeGraph
import Verify

/// `lower-rust`'s Rust base types step: each Rust base type becomes a TYPEDEF of its Rust name
/// to an INT or FLOAT spelled as C spells the type of the same size and encoding.
@Suite struct RustBaseTypeTests {
  let registry = StandardPasses.registry

  /// (Rust name, bytes, BTF INT encoding or nil for a FLOAT) and the C type it must read as:
  /// the C types of the same size and signedness on an LP64 target, in clang's words.
  static let table: [(rust: String, bytes: UInt32, encoding: UInt32?, c: String)] = [
    ("u8", 1, 0, "unsigned char"), ("i8", 1, 1, "signed char"),
    ("u16", 2, 0, "unsigned short"), ("i16", 2, 1, "short"),
    ("u32", 4, 0, "unsigned int"), ("i32", 4, 1, "int"), ("char", 4, 0, "unsigned int"),
    ("u64", 8, 0, "unsigned long long"), ("i64", 8, 1, "long long"),
    ("usize", 8, 0, "unsigned long"), ("isize", 8, 1, "long"),
    ("u128", 16, 0, "unsigned __int128"), ("i128", 16, 1, "__int128"),
    ("bool", 1, 4, "_Bool"), ("f32", 4, nil, "float"), ("f64", 8, nil, "double"),
  ]

  func rustBase(_ g: inout TypeGraph, _ name: String, bytes: UInt32, encoding: UInt32?) -> TypeID {
    g.add(
      encoding == nil ? .float : .int, name: g.strings.intern(name), size: bytes,
      aux: encoding.map { $0 << 24 | bytes * 8 } ?? 0, flags: .rust, dwarfTag: DWARFTag.baseType)
  }

  @Test func rustBaseTypesBecomeTypedefsOfCTypes() throws {
    var g = TypeGraph()
    let ids = Self.table.map { rustBase(&g, $0.rust, bytes: $0.bytes, encoding: $0.encoding) }
    let unit = rustBase(&g, "()", bytes: 0, encoding: 0)
    let cInt = g.add(.int, name: g.strings.intern("unsigned int"), size: 4, aux: 32, dwarfTag: DWARFTag.baseType)
    let wide = g.add(.unrepresentable, name: g.strings.intern("u256"), size: 32, flags: .rust, dwarfTag: DWARFTag.baseType)
    let before = g
    try run("lower-rust", on: &g, registry: registry)

    for (row, id) in zip(Self.table, ids) {
      #expect(g.kind(id) == .typedef && g.nameString(id) == row.rust, "\(row.rust)")
      let t = g.ref(id)
      #expect(g.nameString(t) == row.c, "\(row.rust) -> \(g.nameString(t))")
      #expect(g.kind(t) == (row.encoding == nil ? .float : .int) && g.size(t) == row.bytes, "\(row.rust)")
      if let enc = row.encoding { #expect(g.aux(t) == enc << 24 | row.bytes * 8, "\(row.rust)") }
      #expect(g.byteSize(of: id) == UInt64(row.bytes))
      let decision = g.decisions.latest(for: id).map { g.decisions[$0] }
      #expect(decision?.action == .rewritten && decision?.pass == "lower-rust", "\(row.rust)")
    }
    // One shared target per C type: u32 and char share `unsigned int`.
    #expect(g.ref(ids[4]) == g.ref(ids[6]))
    // Untouched: the zero-sized `()` (demote-unrepresentable's), C's own INT, the 32-byte type.
    for id in [unit, cInt, wide] {
      #expect(g.kind(id) == before.kind(id) && g.name(id) == before.name(id) && g.aux(id) == before.aux(id))
      #expect(g.decisions.latest(for: id) == nil)
    }
    // A second run changes nothing.
    var again = g
    var pass = LowerRust()
    var context = PassContext()
    #expect(try pass.run(on: &again, context: &context) == .unchanged)
  }

  /// The spelling follows the input's C units (GCC's words here), so dedup merges the two.
  @Test func spellingFollowsTheInputsCUnits() throws {
    var g = TypeGraph()
    let usize = rustBase(&g, "usize", bytes: 8, encoding: 0)
    let i16 = rustBase(&g, "i16", bytes: 2, encoding: 1)
    let u16 = rustBase(&g, "u16", bytes: 2, encoding: 0)
    let gccLong = g.add(.int, name: g.strings.intern("long unsigned int"), size: 8, aux: 64)
    _ = g.add(.int, name: g.strings.intern("short int"), size: 2, aux: 1 << 24 | 16)
    let holder = g.add(.structure, name: g.strings.intern("holder"), size: 16)
    g.setMembers(
      holder, [Member(name: g.strings.intern("a"), type: usize, value: 0), Member(name: g.strings.intern("b"), type: gccLong, value: 64)])
    try run("lower-rust", on: &g, registry: registry)
    #expect(g.nameString(g.ref(usize)) == "long unsigned int")
    #expect(g.nameString(g.ref(i16)) == "short int")
    #expect(g.nameString(g.ref(u16)) == "unsigned short") // the C units have no unsigned short
    try run("demote-unrepresentable,sanitize-names,prune-dependents,dedup", on: &g, registry: registry)
    #expect(g.resolvingModifiers(g.members(of: holder)[0].type) == g.resolvingModifiers(g.members(of: holder)[1].type))
  }

  /// Through the standard passes: `char` is a keyword in C and becomes `char_`; the BTF loads.
  @Test func standardPassesGiveLoadableBTFWithCNames() throws {
    var g = TypeGraph()
    let ids = Self.table.map { rustBase(&g, $0.rust, bytes: $0.bytes, encoding: $0.encoding) }
    var offset: UInt64 = 0
    var members: [Member] = []
    for (row, id) in zip(Self.table, ids) {
      offset = (offset + UInt64(row.bytes) - 1) / UInt64(row.bytes) * UInt64(row.bytes)
      members.append(Member(name: g.strings.intern("f_" + row.rust), type: id, value: offset * 8))
      offset += UInt64(row.bytes)
    }
    let s = g.add(.structure, name: g.strings.intern("all"), size: UInt32((offset + 15) / 16 * 16), flags: .rust)
    g.setMembers(s, members)
    try run("lower-rust,demote-unrepresentable,sanitize-names,prune-dependents,dedup", on: &g, registry: registry)
    let typedefs = Set(g.ids.filter { g.kind($0) == .typedef }.map { g.nameString($0) })
    #expect(typedefs.contains("char_") && !typedefs.contains("char") && typedefs.contains("u32"), "\(typedefs)")
    let btf = try BTFEncoder().encode(g)
    #expect(BTFValidator.validate(btf, mode: .load).isEmpty)
    if let failure = KernelCheck.acceptanceFailure(btf) { Issue.record("\(failure)") }
  }
}
