import TypeGraph

/// Rust base types (`u32`, `usize`, `char`, `bool`, `f64`…) in the shape C tools read.
///
/// rustc gives its DWARF base types Rust's names, and BTF would keep them as INT and FLOAT
/// names. C tools read INT and FLOAT names as C type names (`bpftool btf dump format c` prints
/// them as they are), so `u32 x;` does not compile and Rust's 4-byte `char` reads as C's 1-byte
/// `char`. So each Rust base type node keeps its id (everything refers to it) and its Rust name
/// but becomes a TYPEDEF of a shared INT or FLOAT spelled as C spells the type of the same size
/// and encoding: `typedef unsigned int u32;`. `sanitize-names` later renames the typedefs whose
/// Rust names are C keywords (`char` becomes `char_`).
///
/// The spelling follows the input's own C compile units where they have the type, in clang's
/// (`unsigned long`) or GCC's (`long unsigned int`) words, so that `dedup` merges Rust's INTs
/// with the C code's; without C units it is clang's, since rustc is an LLVM compiler and
/// Rust-enabled kernels are built with clang (`vmlinux.rust` spells `unsigned long`).
///
/// Left alone: C nodes; zero-sized base types (`()`, `!`: `demote-unrepresentable` makes them
/// empty structs); base types wider than 16 bytes (already unrepresentable, demoted with their
/// reason); INTs with a bit size or offset of their own, and FLOATs other than 4 and 8 bytes
/// (`f16`, `f128`), which have no C spelling clang accepts for BPF.
enum RustBaseTypes {
  /// The C type a Rust base type becomes: BTF kind, candidate spellings (clang's first, then
  /// GCC's when it differs) and BTF INT encoding (0 unsigned, 1 signed, 4 bool).
  struct CType: Hashable {
    var kind: Kind
    var spellings: [String]
    var encoding: UInt32
  }

  /// The one table of the mapping. `rustName` matters only for the 8-byte integers: `usize` and
  /// `isize` are spelled as C's pointer-sized `long` (`size_t`), `u64`/`i64` as `long long`
  /// (the kernel's `__u64`), so both keep their kernel counterparts.
  static func cType(kind: Kind, size: UInt32, aux: UInt32, rustName: String) -> CType? {
    if kind == .float {
      switch size {
      case 4: return CType(kind: .float, spellings: ["float"], encoding: 0)
      case 8: return CType(kind: .float, spellings: ["double"], encoding: 0)
      default: return nil
      }
    }
    guard kind == .int, aux & 0x00ff_ffff == size * 8 else { return nil } // no own bit size or offset
    let encoding = aux >> 24
    if encoding & 4 != 0 {
      return size == 1 ? CType(kind: .int, spellings: ["_Bool"], encoding: 4) : nil
    }
    let signed = encoding & 1 != 0
    let pointerSized = rustName == "usize" || rustName == "isize"
    let spellings: [String]
    switch (size, signed) {
    case (1, false): spellings = ["unsigned char"]
    case (1, true): spellings = ["signed char"]
    case (2, false): spellings = ["unsigned short", "short unsigned int"]
    case (2, true): spellings = ["short", "short int"]
    case (4, false): spellings = ["unsigned int"] // also Rust's `char`, a Unicode scalar value
    case (4, true): spellings = ["int"]
    case (8, false): spellings = pointerSized ? ["unsigned long", "long unsigned int"] : ["unsigned long long", "long long unsigned int"]
    case (8, true): spellings = pointerSized ? ["long", "long int"] : ["long long", "long long int"]
    case (16, false): spellings = ["unsigned __int128", "__int128 unsigned"]
    case (16, true): spellings = ["__int128"]
    default: return nil
    }
    return CType(kind: .int, spellings: spellings, encoding: signed ? 1 : 0)
  }

  /// Returns whether the graph changed.
  static func lower(_ graph: inout TypeGraph, pass: String) -> Bool {
    var targets: [CType: TypeID] = [:]
    var spellingsInC: Set<String>? = nil // "name/size" of the C units' INTs and FLOATs, built on first use
    var changed = false
    for id in graph.ids {
      let kind = graph.kind(id)
      guard kind == .int || kind == .float, graph.flags(id).contains(.rust),
        graph.dwarfTag(of: id) == DWARFTag.baseType, graph.size(id) > 0,
        let c = cType(kind: kind, size: graph.size(id), aux: graph.aux(id), rustName: graph.nameString(id))
      else { continue }
      let size = graph.size(id)
      let target: TypeID
      if let t = targets[c] {
        target = t
      } else {
        if spellingsInC == nil { spellingsInC = cSpellings(graph) }
        let name = c.spellings.first { spellingsInC!.contains("\($0)/\(size)") } ?? c.spellings[0]
        target = graph.add(
          c.kind, name: graph.strings.intern(name), size: size,
          aux: c.kind == .int ? c.encoding << 24 | size * 8 : 0, flags: [.rust, .synthesized])
        targets[c] = target
      }
      graph.rewrite(
        id, as: .init(kind: .typedef, ref: target), pass: pass,
        reason: LowerRust.Reason.rustBaseTypeAsTypedef(bytes: size, encoding: encoding(c), cName: graph.nameString(target)))
      changed = true
    }
    return changed
  }

  /// `"name/size"` of every INT and FLOAT of the input's C compile units.
  private static func cSpellings(_ graph: TypeGraph) -> Set<String> {
    var seen: Set<Int64> = []
    var out: Set<String> = []
    for id in graph.ids where (graph.kind(id) == .int || graph.kind(id) == .float) && !graph.flags(id).contains(.rust) {
      let key = Int64(graph.name(id).rawValue) << 32 | Int64(graph.size(id))
      if seen.insert(key).inserted { out.insert("\(graph.nameString(id))/\(graph.size(id))") }
    }
    return out
  }

  /// How the reason names the C type's encoding ("unsigned INT", "FLOAT", "BOOL INT").
  private static func encoding(_ c: CType) -> LowerRust.Reason.BaseEncoding {
    switch (c.kind, c.encoding) {
    case (.float, _): .float
    case (_, 4): .boolInt
    case (_, 1): .signedInt
    default: .unsignedInt
    }
  }
}
