import TypeGraph

/// The info word of a `struct btf_type` (`uapi/linux/btf.h`): bits 0-15 vlen, 24-28 the kind,
/// 31 kind_flag. The one place it is taken apart and put together; the encoder, the decoder,
/// the passes over raw BTF (`WireBTF`, `LazySplitBase`) and the kernel checker read it here.
public struct BTFInfo: Sendable {
  public var word: UInt32
  @inlinable @inline(__always) public init(_ word: UInt32) { self.word = word }
  @inlinable @inline(__always) public init(kind: Kind, vlen: UInt32, kindFlag: Bool) {
    word = (kindFlag ? 1 << 31 : 0) | UInt32(kind.rawValue) << 24 | (vlen & 0xffff)
  }
  /// The raw kind number, valid or not.
  @inlinable @inline(__always) public var kindNumber: UInt8 { UInt8((word >> 24) & 0x1f) }
  /// The kind when the number is a BTF kind's (1...19), else nil.
  @inlinable @inline(__always) public var kind: Kind? {
    let n = kindNumber
    return n >= 1 && n < Kind.btfKindCount ? Kind.btf(n) : nil
  }
  @inlinable @inline(__always) public var vlen: Int { Int(word & 0xffff) }
  @inlinable @inline(__always) public var kindFlag: Bool { word >> 31 != 0 }
  /// Bits no kind defines (2-23 of the upper half, 29-30): the kernel's "Invalid btf_info".
  @inlinable public var hasUnknownBits: Bool { word & ~0x9f00_ffff != 0 }
}

/// A type record's place in a blob: its offset and its info word, and, through its kind's row
/// (`KindInfo`), where its fields are. Records are bounds- and kind-checked when listed
/// (`BTFDecoder.records`), so the accessors do not check again.
struct BTFRecord: Sendable {
  var pos: Int
  var info: UInt32
  init(pos: Int, info: UInt32) {
    self.pos = pos
    self.info = info
  }

  /// The kind (a listed record's is a BTF kind).
  @inline(__always) var kind: Kind { BTFInfo(info).kind! }
  @inline(__always) var vlen: Int { BTFInfo(info).vlen }
  @inline(__always) var kindFlag: Bool { BTFInfo(info).kindFlag }
  /// The byte length of the record: its 12-byte header and what follows.
  @inline(__always) var length: Int { 12 + kind.wireTrailingBytes(vlen: vlen) }

  /// Where the name offset is.
  @inline(__always) var namePosition: Int { pos }
  /// Where the `size` / `type` word is.
  @inline(__always) var sizeOrTypePosition: Int { pos + 8 }
  /// Where the `k`th 32-bit word after the header is (INT's int word, ARRAY's element…).
  @inline(__always) func fixedPosition(_ k: Int) -> Int { pos + 12 + 4 * k }
  /// Where vlen entry `j` starts.
  @inline(__always) func entryPosition(_ j: Int) -> Int {
    let k = kind.info
    return pos + 12 + k.wireFixedBytes + j * k.wireEntryBytes
  }
}

/// A record's fields as graph values, read through its kind's row: what the decoder fills a
/// node from and what `LazySplitBase` keys anonymous records by (`AnonymousKey.of`), so the
/// two read one layout.
struct BTFRecordView {
  let r: ByteReader
  let rec: BTFRecord
  let kind: Kind
  /// The kind's row.
  let info: KindInfo
  let vlen: Int
  let kindFlag: Bool
  /// Where the first entry starts.
  private let entries: Int
  init(_ r: ByteReader, _ rec: BTFRecord) {
    self.r = r
    self.rec = rec
    let i = BTFInfo(rec.info)
    kind = i.kind!
    info = kind.info
    vlen = i.vlen
    kindFlag = i.kindFlag
    entries = rec.pos + 12 + info.wireFixedBytes
  }

  var nameOffset: UInt32 { r.u32(rec.pos) }
  var sizeOrType: UInt32 { r.u32(rec.pos + 8) }
  func fixed(_ k: Int) -> UInt32 { r.u32(rec.fixedPosition(k)) }

  /// The word the graph's `ref` column comes from: the `type` word, or ARRAY's element type.
  var refWord: UInt32 { info.wireFixedTypeWords > 0 ? fixed(0) : sizeOrType }
  /// ARRAY's index type (the second fixed type word).
  var indexWord: UInt32 { fixed(1) }
  /// The `aux` column: the first fixed word (INT's int word, VAR's linkage, DECL_TAG's
  /// component index), ARRAY's count, kind_flag (FWD's union, TYPE_TAG's attribute) or vlen
  /// (FUNC's linkage).
  var aux: UInt32 {
    switch info.aux {
    case .none: 0
    case .elementCount: fixed(2)
    case .forwardKind, .attribute: kindFlag ? 1 : 0
    case .intWord, .componentIndex: fixed(0)
    case .linkage: info.wireFixedBytes > 0 ? fixed(0) : UInt32(vlen)
    }
  }

  @inline(__always) private func entry(_ j: Int) -> Int { entries + j * info.wireEntryBytes }
  /// Entry `j`'s name offset (0 for entries without names).
  func entryName(_ j: Int) -> UInt32 { info.members.hasNames ? r.u32(entry(j)) : 0 }
  /// Entry `j`'s type id (0 for entries without one).
  func entryType(_ j: Int) -> UInt32 {
    info.members.typesAreReferences ? r.u32(entry(j) + info.members.wireTypeOffset) : 0
  }
  /// Entry `j`'s `Member.value`: a member's bit offset (24 bits under kind_flag), an
  /// enumerator's bit pattern (sign-extended from 32 bits when signed), an entry's offset.
  func entryValue(_ j: Int) -> UInt64 {
    let p = entry(j)
    switch info.members {
    case .fields:
      let off = r.u32(p + 8)
      return UInt64(kindFlag ? off & 0xff_ffff : off)
    case .enumerators:
      let lo = r.u32(p + 4)
      if info.wireEntryBytes == 12 { return UInt64(lo) | UInt64(r.u32(p + 8)) << 32 }
      return kindFlag ? UInt64(bitPattern: Int64(Int32(bitPattern: lo))) : UInt64(lo)
    case .entries:
      return UInt64(r.u32(p + 4))
    case .parameters, .none, .variantEntries:
      return 0
    }
  }
  /// Entry `j`'s `Member.bits`: a member's bitfield size (kind_flag), an entry's size.
  func entryBits(_ j: Int) -> UInt32 {
    let p = entry(j)
    switch info.members {
    case .fields: return kindFlag ? r.u32(p + 8) >> 24 : 0
    case .entries: return r.u32(p + 8)
    case .enumerators, .parameters, .none, .variantEntries: return 0
    }
  }
}

extension BTFRecordView: AnonymousKeySource {
  var size: UInt32 { info.size == .bytes ? sizeOrType : 0 }
  var memberCount: Int { vlen }
  func ref() -> UInt32? { refWord }
  func memberName(_ j: Int) -> UInt32? { entryName(j) }
  func memberType(_ j: Int) -> UInt32? { entryType(j) }
  func memberValue(_ j: Int) -> UInt64 { entryValue(j) }
}
