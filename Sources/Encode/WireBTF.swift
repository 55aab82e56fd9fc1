import TypeGraph

/// A raw BTF blob read record by record, in place, without a graph: what the passes over
/// finished BTF use (distilling a module's base, relocating it; `DistilledBase`,
/// `SplitRelocation`), which rewrite ids and string offsets field by field as libbpf and the
/// kernel do, so that their output is byte for byte libbpf's.
///
/// Every record's bounds and kind are checked up front (`BTFDecoder.records`); ids and string
/// offsets are checked where they are used.
struct WireBTF {
  let bytes: [UInt8]
  let reader: ByteReader
  let sections: BTFSections
  let records: [BTFDecoder.RecordPosition]
  /// The id of the first record: 1 for standalone BTF, the base's type count (void included)
  /// for split BTF.
  let firstID: Int
  /// The string offset of the section's first byte: 0 for standalone BTF, the base's string
  /// section length for split BTF.
  let firstStringOffset: Int
  /// How errors name the blob ("base BTF", "split BTF").
  let what: String

  init(_ bytes: [UInt8], firstID: Int = 1, firstStringOffset: Int = 0, what: String) throws(EncodeError) {
    do {
      sections = try BTFSections(bytes)
      records = try BTFDecoder.records(bytes, sections.types)
    } catch {
      throw EncodeError("\(what): \(error.description)")
    }
    self.bytes = bytes
    reader = ByteReader(bytes: bytes)
    self.firstID = firstID
    self.firstStringOffset = firstStringOffset
    self.what = what
  }

  /// One past the last id.
  var endID: Int { firstID + records.count }
  var stringLength: Int { sections.strings.count }

  /// The record of id `id` (in `firstID..<endID`).
  @inline(__always) func record(_ id: Int) -> BTFDecoder.RecordPosition { records[id - firstID] }
  @inline(__always) func kind(_ rec: BTFDecoder.RecordPosition) -> Kind { rec.kind }
  @inline(__always) func vlen(_ rec: BTFDecoder.RecordPosition) -> Int { rec.vlen }
  @inline(__always) func kindFlag(_ rec: BTFDecoder.RecordPosition) -> Bool { rec.kindFlag }
  @inline(__always) func nameOffset(_ rec: BTFDecoder.RecordPosition) -> UInt32 { reader.u32(rec.pos) }
  /// `size` (or `type`): the record's third word.
  @inline(__always) func sizeOrType(_ rec: BTFDecoder.RecordPosition) -> UInt32 { reader.u32(rec.pos + 8) }
  /// The byte length of the record (its 12-byte header and what follows).
  func length(_ rec: BTFDecoder.RecordPosition) -> Int { rec.length }

  /// The byte range in `bytes` of the NUL-terminated string at `offset` of this blob's own
  /// string section (`offset` counted from `firstStringOffset`), without its NUL.
  func string(at offset: UInt32) throws(EncodeError) -> Range<Int> {
    let local = Int(offset) - firstStringOffset
    guard local >= 0, local < stringLength else {
      throw EncodeError(
        "\(what): string offset \(offset) lies outside its string section (\(firstStringOffset)..<\(firstStringOffset + stringLength))")
    }
    let start = sections.strings.lowerBound + local
    var end = start
    while end < sections.strings.upperBound && bytes[end] != 0 { end += 1 }
    guard end < sections.strings.upperBound else {
      throw EncodeError("\(what): the string at offset \(offset) is not NUL-terminated")
    }
    return start..<end
  }

  /// The string at `offset` as text, for messages.
  func text(at offset: UInt32) -> String {
    guard let range = try? string(at: offset) else { return "?" }
    return String(decoding: bytes[range], as: UTF8.self)
  }
}

/// Where a type record's type ids and string offsets lie: libbpf's `btf_field_iter`
/// (`BTF_FIELD_ITER_IDS`, `BTF_FIELD_ITER_STRS`), whose order both `btf__distill_base` and
/// `btf_relocate` follow, driven by the kind's row (`KindInfo`: `wireTypeWord`,
/// `wireFixedTypeWords`, the entries' `MemberRole`). Positions are of the 32-bit fields in the
/// blob.
enum WireFields {
  /// Which type-id field of a record: the `type` word, a fixed word (ARRAY's element, index),
  /// an entry's.
  enum Slot {
    case typeWord
    case fixed(Int)
    case entry(Int)
    /// How the decoder's messages name the field ("element type", "member 3"…).
    func text(_ kind: Kind) -> String {
      switch self {
      case .typeWord: kind.info.ref == .none ? "type" : kind.info.ref.text
      case .fixed(let k): k == 0 ? "element type" : "index type"
      case .entry(let j): "\(kind.info.members.noun) \(j)"
      }
    }
  }

  /// The type-id fields: the `type` word of FWD, PTR, TYPEDEF, VOLATILE, CONST, RESTRICT,
  /// FUNC, VAR, DECL_TAG and TYPE_TAG; ARRAY's element then index type; FUNC_PROTO's return
  /// type then each parameter's; each member's of STRUCT and UNION; each entry's variable of
  /// DATASEC. INT, FLOAT, ENUM and ENUM64 have none.
  static func typeIDSlots(_ rec: BTFRecord, _ body: (Int, Slot) throws(EncodeError) -> Void) throws(EncodeError) {
    let info = rec.kind.info
    if info.wireTypeWord { try body(rec.sizeOrTypePosition, .typeWord) }
    for k in 0..<info.wireFixedTypeWords { try body(rec.fixedPosition(k), .fixed(k)) }
    guard info.members.typesAreReferences else { return }
    for j in 0..<rec.vlen { try body(rec.entryPosition(j) + info.members.wireTypeOffset, .entry(j)) }
  }

  static func typeIDs(_ rec: BTFRecord, _ body: (Int) throws(EncodeError) -> Void) throws(EncodeError) {
    try typeIDSlots(rec) { (at, _) throws(EncodeError) in try body(at) }
  }

  /// The string-offset fields: every record's name, then each member's, enumerator's or
  /// parameter's name.
  static func strings(_ rec: BTFRecord, _ body: (Int) throws(EncodeError) -> Void) throws(EncodeError) {
    try body(rec.namePosition)
    guard rec.kind.info.members.hasNames else { return }
    for j in 0..<rec.vlen { try body(rec.entryPosition(j)) }
  }
}

extension ByteWriter {
  /// The 32-bit little-endian word at `at`.
  @inline(__always) func get32(_ at: Int) -> UInt32 {
    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
  }

  /// Overwrites the 32-bit little-endian word at `at`.
  @inline(__always) mutating func set32(_ at: Int, _ v: UInt32) {
    bytes[at] = UInt8(truncatingIfNeeded: v)
    bytes[at + 1] = UInt8(truncatingIfNeeded: v >> 8)
    bytes[at + 2] = UInt8(truncatingIfNeeded: v >> 16)
    bytes[at + 3] = UInt8(truncatingIfNeeded: v >> 24)
  }

  /// The 24-byte header of a blob whose type section (`typeLength` bytes) is followed by its
  /// string section (`stringLength` bytes): what libbpf's `btf__raw_data` writes.
  mutating func btfHeader(typeLength: Int, stringLength: Int) {
    u16(BTFWire.magic)
    u8(BTFWire.version)
    u8(0) // flags
    u32(BTFWire.headerLength)
    u32(0) // type_off
    u32(UInt32(typeLength))
    u32(UInt32(typeLength)) // str_off
    u32(UInt32(stringLength))
  }
}

/// A string section being written: each distinct string once, in order of first use, deduped
/// through a `StringTable` (one probe per string, no dictionary of arrays).
struct WireStrings {
  private(set) var bytes: [UInt8]
  /// Offset of `bytes[0]`.
  let firstOffset: UInt32
  private var table = StringTable()
  /// `NameID.rawValue` -> offset + 1 (0: not in this section).
  private var offsets: [UInt32] = []

  /// `leadingNUL`: a standalone section starts with the empty string; a split one does not.
  init(firstOffset: UInt32, leadingNUL: Bool) {
    self.firstOffset = firstOffset
    bytes = leadingNUL ? [0] : []
  }

  /// The offset of `string` if this section holds it.
  func find(_ string: ArraySlice<UInt8>) -> UInt32? {
    string.withUnsafeBytes { buf -> UInt32? in
      guard let n = table.lookup(buf), n.index < offsets.count, offsets[n.index] != 0 else { return nil }
      return offsets[n.index] - 1
    }
  }

  /// The offset of `string`, appended if new.
  mutating func add(_ string: ArraySlice<UInt8>) -> UInt32 {
    let n = string.withUnsafeBytes { table.intern($0) }
    if n.index >= offsets.count { offsets.append(contentsOf: repeatElement(0, count: n.index + 1 - offsets.count)) }
    if offsets[n.index] != 0 { return offsets[n.index] - 1 }
    let off = firstOffset + UInt32(bytes.count)
    bytes.append(contentsOf: string)
    bytes.append(0)
    offsets[n.index] = off + 1
    return off
  }
}
