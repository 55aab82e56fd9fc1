import TypeGraph

/// vmlinux's BTF as the base of a module's, read in place and decoded into the module's graph
/// a type at a time: only the base types a module type can equal, and those its forward
/// declarations and bindgen copies are compared with, become nodes (see `SplitBase`).
///
/// A kernel build converts every module on top of the same base: 100,000 types, of which a
/// module uses a few thousand. Decoding them all, and running dedup over them, was 70% of a
/// module's conversion (`Dedup.mergeIntoSplitBase` says how the rest are found).
///
/// The blob is checked as the whole decoder checks it: every record's bounds and kind up front,
/// and a decoded record's references and names as it is decoded.
public struct LazySplitBase {
  let bytes: [UInt8]
  let records: [BTFRecord]
  let strings: StringSectionIndex
  let stringStart: Int, stringLength: Int
  /// Base id -> graph node index (0: no node yet); a base forward declaration resolved to a
  /// module definition maps to the definition (`resolveForward`).
  private var nodes: ContiguousArray<Int32>
  /// Named types by name offset, and anonymous types by `anonymousKey` (built on first use).
  private var named: IDChains
  private var anonymous: IDChains? = nil
  /// Notes from decoding (kind flags the graph has no place for), as `BTFDecoder` gives them.
  public private(set) var notes: [String] = []

  /// Reads `base` (a raw BTF blob, standalone) and makes it `graph`'s split base, with no base
  /// type a node yet.
  /// `strings`: `SplitBTF.strings(of: base)` when the caller has it already.
  /// `metaChecked`: the caller has checked every record as the kernel checks vmlinux's BTF at
  /// boot (`BaseBTF.problem`: kinds, sizes, names), so only what that leaves out is checked here,
  /// every reference in range.
  public init(
    _ base: [UInt8], strings index: StringSectionIndex? = nil, metaChecked: Bool = false,
    graph: inout TypeGraph
  ) throws(EncodeError) {
    let sections = try BTFSections(base)
    bytes = base
    records = try BTFDecoder.records(base, sections.types)
    stringStart = sections.strings.lowerBound
    stringLength = sections.strings.count
    strings = index ?? StringSectionIndex(Array(base[sections.strings]))
    nodes = ContiguousArray(repeating: 0, count: records.count + 1)
    // The chains of named types, by name offset; a base whose string section holds a string
    // twice is looked up by each record's first offset of its name (pahole's and rustbtf's
    // sections hold each string once, so the lookup is then skipped).
    named = IDChains(ids: records.count)
    let r = ByteReader(bytes: base)
    // From the last id down, each id going in front: the chains are in id order.
    for k in stride(from: records.count, through: 1, by: -1) {
      var off = r.u32(records[k - 1].pos)
      if off == 0 { continue }
      guard Int(off) < stringLength else { continue } // reported when decoded
      if strings.duplicates > 0, let first = canonicalOffset(off) { off = first }
      named.prepend(k, key: UInt64(off))
    }
    // Every record is checked as the whole decoder checks it (references and name offsets in
    // range, names NUL-terminated), so a broken base is an error whichever types a module
    // uses; only what it keeps differs.
    if metaChecked {
      try Self.checkReferences(r, records)
    } else {
      var checked = StringTable()
      var names = CheckedNames(bytes: base, start: stringStart, length: stringLength)
      var ignored: [String] = []
      for (k, rec) in records.enumerated() {
        _ = try BTFDecoder.decodeRecord(
          r, rec, id: k + 1, typeCount: records.count, names: &names, strings: &checked, notes: &ignored, keepMembers: false)
      }
    }
    var offsets = ContiguousArray<UInt32>(repeating: 0, count: graph.strings.count)
    for id in 1..<graph.strings.count {
      if let off = strings.offset(of: NameID(rawValue: Int32(id)), in: graph.strings) { offsets[id] = off + 1 }
    }
    graph.beginSplitBase(typeCount: UInt32(records.count + 1), stringLength: UInt32(stringLength), stringOffsets: offsets)
  }

  /// Every type id a record refers to is a type of the blob, as the decoder requires (with the
  /// decoder's message); the kernel's meta checks leave this to its resolve pass.
  private static func checkReferences(_ r: ByteReader, _ records: [BTFRecord]) throws(EncodeError) {
    let count = UInt32(records.count)
    for (k, rec) in records.enumerated() {
      try WireFields.typeIDSlots(rec) { (at, slot) throws(EncodeError) in
        let v = r.u32(at)
        guard v <= count else {
          throw EncodeError(
            "bad BTF: type [\(k + 1)] \(slot.text(rec.kind)) refers to type \(v), but there are only \(count) types")
        }
      }
    }
  }

  /// The kind of base type `id` (1...), read from its record.
  public func kind(of id: UInt32) -> Kind {
    records[Int(id) - 1].kind
  }

  /// The node of base type `id` (void for 0): a placeholder (`.removed`) until `decode`.
  public mutating func node(_ id: UInt32, in g: inout TypeGraph) -> TypeID {
    if id == 0 { return .void }
    let k = Int(id)
    if nodes[k] != 0 { return TypeID(Int(nodes[k])) }
    let node = g.addSplitBaseNode(baseID: id)
    nodes[k] = node.rawValue
    return node
  }

  /// From now on base forward declaration `id` is `definition` (a module node) wherever a base
  /// type decoded later refers to it (`Dedup.resolveForwards` points those decoded before).
  public mutating func resolveForward(_ id: UInt32, to definition: TypeID) {
    nodes[Int(id)] = definition.rawValue
  }

  /// Fills in base node `node` from its record; the types it refers to become nodes
  /// (placeholders). Does nothing to a node already decoded.
  public mutating func decode(_ node: TypeID, in g: inout TypeGraph) throws(EncodeError) {
    guard g.kind(node) == .removed, let base = g.splitBase, base.contains(node) else { return }
    let id = Int(base.baseID(node))
    var names = Names(index: strings, bytes: bytes, start: stringStart, length: stringLength)
    let record = try BTFDecoder.decodeRecord(
      ByteReader(bytes: bytes), records[id - 1], id: id, typeCount: records.count, names: &names, strings: &g.strings,
      notes: &notes)
    for (name, offset) in names.interned { g.setSplitBaseStringOffset(name, offset) }
    g.setKind(node, record.kind)
    g.setName(node, record.name)
    g.setSize(node, record.size)
    g.setRef(node, self.node(UInt32(record.ref.rawValue), in: &g))
    g.setAux(node, record.aux)
    g.setFlags(node, record.flags)
    if !record.members.isEmpty {
      var members = record.members
      for j in members.indices { members[j].type = self.node(UInt32(members[j].type.rawValue), in: &g) }
      g.setMembers(node, members)
    }
  }

  /// Decodes `node` and, through modifiers, typedefs and arrays, what its members' byte sizes
  /// depend on (`TypeGraph.byteSize(of:)`), which comparing layouts reads.
  public mutating func decodeWithMemberSizes(_ node: TypeID, in g: inout TypeGraph) throws(EncodeError) {
    try decode(node, in: &g)
    for m in g.memberRange(node) {
      var t = g.memberTypes[m]
      while !t.isVoid && g.splitBase?.contains(t) == true {
        try decode(t, in: &g)
        switch g.kind(t) {
        case .typedef, .const, .volatile, .restrict, .typeTag, .array: t = g.ref(t)
        default: t = .void
        }
      }
    }
  }

  /// The base ids of the types named `name` (a name of `g`), in id order.
  public func types(named name: NameID, in g: TypeGraph) -> [UInt32] {
    // A name interned after `init` has no offset noted: looked up then.
    guard let off = g.splitBase?.stringOffset(name) ?? strings.offset(of: name, in: g.strings) else { return [] }
    return named.ids(for: UInt64(off))
  }

  /// The base ids of anonymous types with this key (`anonymousKey`), in id order: the
  /// candidates for an anonymous module type whose references are all base types.
  public mutating func anonymousTypes(key: UInt64) -> [UInt32] {
    if anonymous == nil { anonymous = indexAnonymousTypes() }
    return anonymous!.ids(for: key)
  }

  /// Every anonymous record of a kind `anonymousKey` keys, by that key.
  private func indexAnonymousTypes() -> IDChains {
    var chains = IDChains(ids: records.count)
    let r = ByteReader(bytes: bytes)
    for k in stride(from: records.count, through: 1, by: -1) {
      let rec = records[k - 1]
      guard r.u32(rec.pos) == 0, let key = anonymousKey(r, rec) else { continue }
      chains.prepend(k, key: key)
    }
    return chains
  }

  /// The key of an anonymous record (`AnonymousKey.of`, which `Dedup`'s `BasePairs` computes
  /// from a graph node); nil for kinds that are never anonymous.
  private func anonymousKey(_ r: ByteReader, _ rec: BTFRecord) -> UInt64? {
    AnonymousKey.of(BTFRecordView(r, rec))
  }

  private func canonicalOffset(_ off: UInt32) -> UInt32? {
    var end = stringStart + Int(off)
    while end < stringStart + stringLength && bytes[end] != 0 { end += 1 }
    guard end < stringStart + stringLength else { return nil }
    return bytes.withUnsafeBytes { strings.offset(of: UnsafeRawBufferPointer(rebasing: $0[(stringStart + Int(off))..<end])) }
  }

  /// Name offsets checked as the decoder checks them, nothing interned: a NUL must end the
  /// section (then every offset inside it starts a terminated string).
  private struct CheckedNames: BTFDecoder.NameSource {
    let length: Int
    let terminated: Bool
    init(bytes: [UInt8], start: Int, length: Int) {
      self.length = length
      terminated = length > 0 && bytes[start + length - 1] == 0
    }
    func name(_ off: UInt32, _ strings: inout StringTable, _ what: @autoclosure () -> String) throws(EncodeError) -> NameID {
      if off == 0 { return .empty }
      try BTFDecoder.checkNameOffset(off, length: length, what())
      guard terminated else { throw BTFDecoder.unterminatedName(off, what()) }
      return .empty
    }
  }

  /// Names of decoded records, interned as they come; each new one's base offset is noted for
  /// `SplitBase.stringOffsets`.
  private struct Names: BTFDecoder.NameSource {
    let index: StringSectionIndex
    let bytes: [UInt8]
    let start: Int, length: Int
    var interned: [(NameID, UInt32)] = []
    mutating func name(_ off: UInt32, _ strings: inout StringTable, _ what: @autoclosure () -> String) throws(EncodeError) -> NameID {
      if off == 0 { return .empty }
      let before = strings.count
      let n = try BTFDecoder.internName(off, bytes, start: start, length: length, &strings, what())
      if strings.count > before, let first = index.offset(of: n, in: strings) { interned.append((n, first)) }
      return n
    }
  }
}

/// Base ids by a 64-bit key, each key's ids in increasing order: an open-addressing table of
/// keys and the first id of each, and a chain through the others.
struct IDChains {
  private var keys: ContiguousArray<UInt64>
  private var first: ContiguousArray<Int32> // 0: empty slot
  private var next: ContiguousArray<Int32>

  /// Room for ids 1...`ids`.
  init(ids: Int) {
    var n = 1024
    while n < ids * 2 { n <<= 1 }
    keys = ContiguousArray(repeating: 0, count: n)
    first = ContiguousArray(repeating: 0, count: n)
    next = ContiguousArray(repeating: 0, count: ids + 1)
  }

  private func slot(_ key: UInt64) -> Int {
    let mask = keys.count - 1
    var i = Int(truncatingIfNeeded: AnonymousKey.mix(key)) & mask
    while first[i] != 0 && keys[i] != key { i = (i + 1) & mask }
    return i
  }

  /// Puts `id` first in its key's chain: adding the ids from the last down keeps each chain in
  /// id order.
  mutating func prepend(_ id: Int, key: UInt64) {
    let i = slot(key)
    next[id] = first[i]
    keys[i] = key
    first[i] = Int32(id)
  }

  func ids(for key: UInt64) -> [UInt32] {
    var out: [UInt32] = []
    var k = first[slot(key)]
    while k != 0 {
      out.append(UInt32(k))
      k = next[Int(k)]
    }
    return out
  }
}
