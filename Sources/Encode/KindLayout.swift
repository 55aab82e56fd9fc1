import TypeGraph

/// The BTF "kind layout" section (Linux 7.1 UAPI, pahole 1.32 `--btf_features=layout`, libbpf
/// 1.8 `btf_new_opts.add_layout`): for each kind the encoder knows, how many bytes follow its
/// 12-byte `struct btf_type` once (`info_sz`) and per vlen entry (`elem_sz`), so that a reader
/// can step over records of kinds it does not know.
///
/// Wire format (`include/uapi/linux/btf.h`):
/// - the header grows to 32 bytes: after `str_len` come `layout_off` and `layout_len`
///   (offsets relative to the end of the header, as the others);
/// - the section is an array of `struct btf_layout { u8 info_sz; u8 elem_sz; u16 flags; }`,
///   one per kind from 0 (UNKN) up, 20 entries (80 bytes) for kinds up to ENUM64; flags are 0;
/// - libbpf places it between the type and the string sections (4-byte aligned).
///
/// pahole writes it for base BTF only (vmlinux), never for a module's split BTF, which shares
/// its base's. Kernels before 7.1 refuse a header whose bytes past 24 are not zero
/// ("Unsupported btf_header"), so BTF with a layout section loads only on 7.1 and later.
public enum KindLayout {
  /// `sizeof(struct btf_header)` with the layout fields.
  public static let headerLength = 32
  /// Kinds described: UNKN (0) to ENUM64 (19), libbpf's `NR_BTF_KINDS`.
  public static let kindCount = Int(Kind.btfKindCount)

  /// The section's bytes, from the one description of record lengths (`Kind.wireFixedBytes`,
  /// `Kind.wireEntryBytes`).
  public static var section: [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(kindCount * 4)
    for k in 0..<kindCount {
      let kind = Kind(rawValue: UInt8(k))
      out += [UInt8(kind?.wireFixedBytes ?? 0), UInt8(kind?.wireEntryBytes ?? 0), 0, 0]
    }
    return out
  }

  /// `btf` (standalone BTF with the 24-byte header, as `BTFEncoder` writes it) with the 32-byte
  /// header and the layout section between its types and strings, as libbpf writes BTF made with
  /// `add_layout`.
  public static func adding(to btf: [UInt8]) throws(EncodeError) -> [UInt8] {
    let s = try BTFSections(btf)
    guard s.headerLength == Int(BTFWire.headerLength), s.types.lowerBound == s.headerLength, s.strings.lowerBound == s.types.upperBound,
      s.strings.upperBound == btf.count
    else {
      throw EncodeError("kind layout: expected BTF with a 24-byte header, its types then its strings")
    }
    let layout = section
    var out = ByteWriter()
    out.bytes.reserveCapacity(btf.count + 8 + layout.count)
    out.u16(BTFWire.magic)
    out.u8(BTFWire.version)
    out.u8(0) // flags
    out.u32(UInt32(headerLength))
    out.u32(0) // type_off
    out.u32(UInt32(s.types.count))
    out.u32(UInt32(s.types.count + layout.count)) // str_off
    out.u32(UInt32(s.strings.count))
    out.u32(UInt32(s.types.count)) // layout_off
    out.u32(UInt32(layout.count)) // layout_len
    out.bytes += btf[s.types]
    out.bytes += layout
    out.bytes += btf[s.strings]
    return out.bytes
  }

  /// The blob without its layout section and with the 24-byte header, which every kernel since
  /// 5.x reads: what `adding(to:)` was given. Throws for a blob that has no layout section.
  public static func removing(from btf: [UInt8]) throws(EncodeError) -> [UInt8] {
    guard let (types, strings, _) = try sections(of: btf) else { throw EncodeError("kind layout: the BTF has no layout section") }
    var out = ByteWriter()
    out.btfHeader(typeLength: types.count, stringLength: strings.count)
    out.bytes += btf[types]
    out.bytes += btf[strings]
    return out.bytes
  }

  /// The type, string and layout sections of `btf` when its header has the layout fields and a
  /// non-empty layout section; nil for a 24-byte header or an empty layout.
  public static func sections(of btf: [UInt8]) throws(EncodeError) -> (types: Range<Int>, strings: Range<Int>, layout: Range<Int>)? {
    let s = try BTFSections(btf)
    guard s.headerLength >= headerLength else { return nil }
    let r = ByteReader(bytes: btf)
    let off = Int(r.u32(24))
    let len = Int(r.u32(28))
    if len == 0 { return nil }
    let body = btf.count - s.headerLength
    guard off <= body, len <= body - off else {
      throw EncodeError("bad BTF header: layout section \(off)+\(len) exceeds the \(body) bytes after the header")
    }
    return (s.types, s.strings, s.headerLength + off..<s.headerLength + off + len)
  }
}
