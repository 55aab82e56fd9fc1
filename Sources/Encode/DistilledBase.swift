import TypeGraph

/// A module's split BTF made independent of the exact vmlinux it was built against: libbpf's
/// `btf__distill_base`, which pahole ≥ 1.28 runs for `--btf_features=distilled_base` (kernels
/// ask for it when building out-of-tree modules, `make M=…`) and writes as two ELF sections:
/// `.BTF.base`, the distilled base, and `.BTF`, the split BTF on top of it.
///
/// When the kernel (6.11 on) loads a module with `.BTF.base`, it relocates the module's BTF
/// onto the running vmlinux's by name (`btf_relocate`, mirrored by `SplitRelocation`), so the
/// module keeps its BTF on any kernel whose types it refers to have the same names and, where
/// it embeds them, sizes.
///
/// What goes where, as libbpf decides it (`btf_add_distilled_type_ids`,
/// `btf_add_distilled_types`):
/// - The base types the split refers to are found: each base id a split type's fields name,
///   and what those base types refer to in turn, except through a *named* struct or union
///   (the distilled base has no members to follow). A reference to a base FUNC, VAR, DATASEC
///   or DECL_TAG is an error: a distilled base cannot describe them.
/// - The **distilled base** gets, in base-id order: each such INT, FLOAT and FWD as it is; each
///   named STRUCT and UNION with its size and no members (vlen 0, kind_flag 0); each named ENUM
///   and ENUM64 as an ENUM of its size with no enumerators (relocation matches it to an ENUM or
///   ENUM64 of that name and size). Its strings are those names, each once, after the empty one.
/// - The **split** gets its own types first, unchanged but for ids and string offsets, then the
///   other referred-to base types in base-id order, copied whole: anonymous STRUCT, UNION,
///   ENUM and ENUM64, and every ARRAY, TYPEDEF, PTR, CONST, VOLATILE, RESTRICT, FUNC_PROTO and
///   TYPE_TAG.
/// - Ids: a base type that moved takes its new id (in the distilled base, or after the split's
///   own types); the split's own ids shift down by the base types that are gone
///   (`split_start_id - distilled count`).
/// - Strings: a split string the distilled base holds is referred to there; every other one is
///   in the split's own section (no leading NUL), each once, in order of first use.
///
/// The result is byte for byte what libbpf writes for the same input (README, "Out-of-tree
/// modules", has the comparison with pahole 1.31).
public enum DistilledBase {
  public struct Result: Sendable, Equatable {
    /// The distilled base (`.BTF.base`): standalone BTF of named INT, FLOAT, FWD, and
    /// memberless STRUCT, UNION and ENUM types.
    public var base: [UInt8]
    /// The split BTF on top of `base` (`.BTF`).
    public var split: [UInt8]
    /// Types in the distilled base (void not counted).
    public var baseTypes: Int
    /// Base types copied into the split (anonymous aggregates and reference types).
    public var movedTypes: Int
  }

  /// Distils `base` (standalone BTF) for `split` (split BTF on top of it).
  /// Throws `EncodeError` (one line) for a blob that is not BTF, an id or string offset outside
  /// its blob, or a split type that refers to a base FUNC, VAR, DATASEC or DECL_TAG.
  /// - Complexity: O(base records + split bytes + referred-to base types).
  public static func distill(split splitBytes: [UInt8], base baseBytes: [UInt8]) throws(EncodeError) -> Result {
    let base = try WireBTF(baseBytes, what: "base BTF")
    let split = try WireBTF(splitBytes, firstID: base.endID, firstStringOffset: base.stringLength, what: "split BTF")
    let splitStart = base.endID // libbpf's split_start_id

    // 1. The base types the split needs: `map[id] != 0` once found.
    var map = [UInt32](repeating: 0, count: splitStart)
    var follow: [Int] = []
    func need(_ id: UInt32, from: Int) throws(EncodeError) {
      guard id != 0, Int(id) < splitStart else {
        if Int(id) >= split.endID {
          throw EncodeError("split BTF: type [\(from)] refers to type \(id), but there are only \(split.endID - 1) types")
        }
        return
      }
      if map[Int(id)] != 0 { return }
      let rec = base.record(Int(id))
      let kind = base.kind(rec)
      switch kind {
      case .int, .float, .forward, .array, .structure, .union, .typedef, .enumeration, .enum64, .pointer, .const,
        .restrict, .volatile, .functionProto, .typeTag:
        break
      default:
        throw EncodeError(
          """
          cannot distil the base: type [\(from)] refers to base type [\(id)] \(kind.btfName) '\(base.text(at: base.nameOffset(rec)))', \
          which a distilled base cannot describe
          """
        )
      }
      map[Int(id)] = id
      // A named struct or union is described by its name and size alone.
      if (kind == .structure || kind == .union) && base.nameOffset(rec) != 0 { return }
      follow.append(Int(id))
    }
    for (k, rec) in split.records.enumerated() {
      try WireFields.typeIDs(rec) { (at) throws(EncodeError) in try need(split.reader.u32(at), from: split.firstID + k) }
    }
    while let id = follow.popLast() {
      try WireFields.typeIDs(base.record(id)) { (at) throws(EncodeError) in
        let ref = base.reader.u32(at)
        if Int(ref) >= splitStart {
          throw EncodeError("base BTF: type [\(id)] refers to type \(ref), but there are only \(splitStart - 1) types")
        }
        try need(ref, from: id)
      }
    }

    // 2. The distilled base, in base-id order.
    var baseStrings = WireStrings(firstOffset: 0, leadingNUL: true)
    var baseTypes = ByteWriter()
    var nextID: UInt32 = 1
    for id in 1..<splitStart where map[id] != 0 {
      let rec = base.record(id)
      let kind = base.kind(rec)
      let nameOff = base.nameOffset(rec)
      func name() throws(EncodeError) -> UInt32 { nameOff == 0 ? 0 : baseStrings.add(base.bytes[try base.string(at: nameOff)]) }
      switch kind {
      case .int, .float, .forward:
        let start = baseTypes.bytes.count
        baseTypes.bytes.append(contentsOf: base.bytes[rec.pos..<rec.pos + base.length(rec)])
        baseTypes.set32(start, try name())
      case .structure, .union, .enumeration, .enum64:
        if nameOff == 0 { continue } // anonymous: whole, in the split
        baseTypes.u32(try name())
        // libbpf's btf_add_composite / btf__add_enum: no members, no kind_flag; ENUM64 as ENUM.
        let written: Kind = kind == .enum64 ? .enumeration : kind
        baseTypes.u32(BTFInfo(kind: written, vlen: 0, kindFlag: false).word)
        baseTypes.u32(base.sizeOrType(rec))
      default:
        continue // a reference type: whole, in the split
      }
      map[id] = nextID
      nextID += 1
    }
    let distilledCount = Int(nextID) // void included

    // 3. The split: its own types, then the base types that moved, with strings placed.
    var strings = WireStrings(firstOffset: UInt32(baseStrings.bytes.count), leadingNUL: false)
    var types = ByteWriter()
    types.bytes.reserveCapacity(split.sections.types.count)
    var starts: [(pos: Int, info: UInt32)] = []
    starts.reserveCapacity(split.records.count)
    func copy(_ rec: BTFDecoder.RecordPosition, of blob: WireBTF) throws(EncodeError) {
      let start = types.bytes.count
      types.bytes.append(contentsOf: blob.bytes[rec.pos..<rec.pos + blob.length(rec)])
      starts.append((start, rec.info))
      try WireFields.strings(rec) { (at) throws(EncodeError) in
        let off = blob.reader.u32(at)
        if off == 0 { return }
        let text = Int(off) < base.stringLength ? base.bytes[try base.string(at: off)] : split.bytes[try split.string(at: off)]
        types.set32(start + (at - rec.pos), baseStrings.find(text) ?? strings.add(text))
      }
    }
    for rec in split.records { try copy(rec, of: split) }
    var moved = 0
    for id in 1..<splitStart where map[id] != 0 {
      let rec = base.record(id)
      switch base.kind(rec) {
      case .int, .float, .forward: continue
      case .structure, .union, .enumeration, .enum64: if base.nameOffset(rec) != 0 { continue }
      default: break
      }
      try copy(rec, of: base)
      map[id] = UInt32(distilledCount + split.records.count + moved)
      moved += 1
    }
    // Ids: moved base types by the map, the split's own shifted down by the base types gone.
    let shift = UInt32(splitStart - distilledCount)
    for s in starts {
      try WireFields.typeIDs(BTFDecoder.RecordPosition(pos: s.pos, info: s.info)) { (at) throws(EncodeError) in
        let v = Int(types.get32(at))
        if v == 0 { return }
        types.set32(at, v < splitStart ? map[v] : UInt32(v) - shift)
      }
    }

    var outBase = ByteWriter()
    outBase.btfHeader(typeLength: baseTypes.bytes.count, stringLength: baseStrings.bytes.count)
    outBase.bytes += baseTypes.bytes
    outBase.bytes += baseStrings.bytes
    var outSplit = ByteWriter()
    outSplit.btfHeader(typeLength: types.bytes.count, stringLength: strings.bytes.count)
    outSplit.bytes += types.bytes
    outSplit.bytes += strings.bytes
    return Result(base: outBase.bytes, split: outSplit.bytes, baseTypes: distilledCount - 1, movedTypes: moved)
  }
}
