import TypeGraph

/// Reads a raw BTF blob (ours, pahole's, bpftool's, `/sys/kernel/btf/vmlinux`) into a
/// `TypeGraph`: BTF id n becomes node n, so `decode(encode(g)).dump() == g.dump()` and
/// re-encoding gives the same bytes for every graph the encoder accepts.
///
/// Every offset and count is bounds-checked; a malformed blob gives a one-line `EncodeError`,
/// never a trap. The decoder does not check the kernel's rules (that is `BTFValidator`).
public enum BTFDecoder {
  public static func decode(_ bytes: [UInt8]) throws(EncodeError) -> TypeGraph {
    var notes: [String] = []
    return try decode(bytes, notes: &notes)
  }

  /// Like `decode(_:)`, also returning notes about what the graph could not keep (BTF with
  /// several array index types keeps the first as the graph's `arrayIndexTypeID`).
  public static func decode(_ bytes: [UInt8], notes: inout [String]) throws(EncodeError) -> TypeGraph {
    var strings = StringTable()
    var idAtOffset: [Int32] = []
    return try decode(bytes, notes: &notes, strings: &strings, idAtOffset: &idAtOffset)
  }

  /// Decodes into a graph whose string table starts as `strings` (split BTF's base is decoded
  /// with the module's table, so its names are interned once, where they end up) and leaves in
  /// `idAtOffset`, per offset of the string section, the `NameID` + 1 of the string there (0
  /// where no type names it).
  static func decode(
    _ bytes: [UInt8], notes: inout [String], strings: inout StringTable, idAtOffset nameCache: inout [Int32]
  ) throws(EncodeError) -> TypeGraph {
    let r = ByteReader(bytes: bytes)
    let sections = try BTFSections(bytes)

    var g = TypeGraph()
    g.strings = strings
    defer { strings = g.strings }
    // String offset -> NameID + 1 (0: not interned yet), interned lazily: a dense column, not a
    // dictionary, since a whole vmlinux BTF has hundreds of thousands of names.
    var names = CachedNames(bytes: bytes, start: sections.strings.lowerBound, length: sections.strings.count)
    let records = try Self.records(bytes, sections.types)
    let count = records.count
    var indexType: UInt32? = nil
    for (k, rec) in records.enumerated() {
      var node = try decodeRecord(r, rec, id: k + 1, typeCount: count, names: &names, strings: &g.strings, notes: &notes)
      if let idx = node.indexType {
        if indexType == nil {
          indexType = idx
        } else if indexType != idx {
          notes.append("array [\(k + 1)] uses index type \(idx); the graph keeps \(indexType!) for every array")
        }
      }
      let id = g.add(node.kind, name: node.name, size: node.size, ref: node.ref, aux: node.aux, flags: node.flags)
      if !node.members.isEmpty { g.setMembers(id, node.members) }
      node.members = []
    }
    nameCache = names.cache
    if let indexType { g.setArrayIndexType(TypeID(Int(indexType))) }
    return g
  }
}

extension BTFDecoder {
  /// A type record's place in the blob: its offset and its info word.
  typealias RecordPosition = BTFRecord

  /// Every type record of `types` (a range of `bytes`), bounds- and kind-checked, in id order
  /// (id k at index k - 1).
  static func records(_ bytes: [UInt8], _ types: Range<Int>) throws(EncodeError) -> [RecordPosition] {
    let r = ByteReader(bytes: bytes)
    var records: [RecordPosition] = []
    var pos = types.lowerBound
    while pos < types.upperBound {
      let id = records.count + 1
      guard types.upperBound - pos >= 12 else {
        throw EncodeError("bad BTF: type [\(id)] is truncated (\(types.upperBound - pos) bytes left of 12)")
      }
      let info = BTFInfo(r.u32(pos + 4))
      let vlen = info.vlen
      guard let kind = info.kind else {
        throw EncodeError("bad BTF: type [\(id)] has unknown kind \(info.kindNumber)")
      }
      let extra = kind.wireTrailingBytes(vlen: vlen)
      guard types.upperBound - pos - 12 >= extra else {
        throw EncodeError("bad BTF: type [\(id)] (kind \(info.kindNumber), vlen \(vlen)) runs past the end of the type section")
      }
      records.append(RecordPosition(pos: pos, info: info.word))
      pos += 12 + extra
    }
    return records
  }

  /// One type record as graph columns. References are BTF ids (`TypeID(id)`): the whole
  /// decoder keeps them, a lazily decoded split base maps them to its nodes.
  struct DecodedRecord {
    var kind: Kind
    var name: NameID
    var size: UInt32 = 0
    var ref: TypeID = .void
    var aux: UInt32 = 0
    var flags: NodeFlags = []
    var members: [Member] = []
    /// An array's index type (the graph keeps one for all arrays).
    var indexType: UInt32? = nil
    @inline(__always) mutating func keep(_ keeping: Bool, _ m: Member) { if keeping { members.append(m) } }
  }

  /// Where names come from: a record's name offsets are checked and interned through this.
  protocol NameSource {
    mutating func name(_ off: UInt32, _ strings: inout StringTable, _ what: @autoclosure () -> String) throws(EncodeError) -> NameID
  }

  /// Names interned once per offset, through a dense column over the string section.
  struct CachedNames: NameSource {
    let bytes: [UInt8]
    let start: Int, length: Int
    var cache: [Int32]
    init(bytes: [UInt8], start: Int, length: Int) {
      self.bytes = bytes
      self.start = start
      self.length = length
      cache = [Int32](repeating: 0, count: length + 1)
    }
    mutating func name(_ off: UInt32, _ strings: inout StringTable, _ what: @autoclosure () -> String) throws(EncodeError) -> NameID {
      if off == 0 { return .empty }
      if Int(off) < length, cache[Int(off)] != 0 { return NameID(rawValue: cache[Int(off)] - 1) }
      let n = try BTFDecoder.internName(off, bytes, start: start, length: length, &strings, what())
      cache[Int(off)] = n.rawValue + 1
      return n
    }
  }

  /// Checks that `off` names a NUL-terminated string of the section and interns it.
  static func internName(
    _ off: UInt32, _ bytes: [UInt8], start: Int, length: Int, _ strings: inout StringTable, _ what: @autoclosure () -> String
  ) throws(EncodeError) -> NameID {
    try checkNameOffset(off, length: length, what())
    var end = start + Int(off)
    let limit = start + length
    while end < limit && bytes[end] != 0 { end += 1 }
    guard end < limit else { throw unterminatedName(off, what()) }
    return bytes.withUnsafeBytes { all in strings.intern(UnsafeRawBufferPointer(rebasing: all[(start + Int(off))..<end])) }
  }

  static func checkNameOffset(_ off: UInt32, length: Int, _ what: @autoclosure () -> String) throws(EncodeError) {
    guard Int(off) < length else {
      throw EncodeError("bad BTF: \(what()) has name offset \(off) outside the \(length)-byte string section")
    }
  }

  static func unterminatedName(_ off: UInt32, _ what: @autoclosure () -> String) -> EncodeError {
    EncodeError("bad BTF: \(what()) has a name at offset \(off) that is not NUL-terminated")
  }

  /// Decodes record `id` (at `rec`) of a blob with `typeCount` types. Without `keepMembers`
  /// the members are checked but not kept (a check of the whole blob allocates nothing).
  static func decodeRecord<Names: NameSource>(
    _ r: ByteReader, _ rec: RecordPosition, id: Int, typeCount count: Int, names: inout Names, strings: inout StringTable,
    notes: inout [String], keepMembers: Bool = true
  ) throws(EncodeError) -> DecodedRecord {
    func tid(_ v: UInt32, _ what: @autoclosure () -> String) throws(EncodeError) -> TypeID {
      guard v <= UInt32(count) else {
        throw EncodeError("bad BTF: type [\(id)] \(what()) refers to type \(v), but there are only \(count) types")
      }
      return TypeID(Int(v))
    }
    let v = BTFRecordView(r, rec)
    let kind = v.kind
    let info = v.info
    let kindFlag = v.kindFlag
    let vlen = v.vlen
    var out = DecodedRecord(kind: kind, name: try names.name(v.nameOffset, &strings, "type [\(id)]"))
    if kindFlag {
      switch kind {
      case .structure, .union, .enumeration, .enum64, .forward, .typeTag: break
      case .declTag:
        notes.append("type [\(id)] \(kind.btfName): kind_flag (attribute) dropped; the graph has no place for it")
      default:
        notes.append("type [\(id)] \(kind.btfName): meaningless kind_flag dropped")
      }
    }
    guard kind.isBTF else { throw EncodeError("bad BTF: type [\(id)] has unknown kind \(kind.rawValue)") }
    // The columns, from the kind's row: the graph's table says which hold what.
    if info.size == .bytes { out.size = v.sizeOrType }
    if info.indexSlot {
      let idx = v.indexWord
      _ = try tid(idx, "index type")
      out.indexType = idx
    }
    if info.ref != .none { out.ref = try tid(v.refWord, info.ref.text) }
    out.aux = v.aux
    let role = info.members
    if role == .enumerators && kindFlag { out.flags = .signed }
    if role != .none {
      if keepMembers { out.members.reserveCapacity(vlen) }
      for j in 0..<vlen {
        var m = Member()
        if role.hasNames { m.name = try names.name(v.entryName(j), &strings, "\(role.noun) \(j) of type [\(id)]") }
        if role.typesAreReferences { m.type = try tid(v.entryType(j), "\(role.noun) \(j)") }
        m.value = v.entryValue(j)
        m.bits = v.entryBits(j)
        out.keep(keepMembers, m)
      }
    }
    return out
  }
}

/// Little-endian reads at offsets the caller has bounds-checked.
