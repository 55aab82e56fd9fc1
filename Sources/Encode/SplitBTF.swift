import TypeGraph

/// Split BTF (module BTF on top of vmlinux's): reading the base, and the standalone view of a
/// split blob.
public enum SplitBTF {
  /// Decodes `base` (a raw BTF blob, standalone) and makes it `graph`'s split base: the graph is
  /// then written as split BTF on top of it, and `dedup` merges the graph's copies of base
  /// types into them (see `SplitBase`).
  public static func attachBase(_ base: [UInt8], to graph: inout TypeGraph) throws(EncodeError) {
    let sections = try BTFSections(base)
    // Decoded with the graph's own strings as the start: each base name is interned once.
    var strings = graph.strings
    var idAtOffset: [Int32] = []
    var notes: [String] = []
    let decoded = try BTFDecoder.decode(base, notes: &notes, strings: &strings, idAtOffset: &idAtOffset)
    graph.appendSplitBase(decoded, stringSection: Array(base[sections.strings]), idAtOffset: idAtOffset)
  }

  /// An index of `base`'s string section (what `PassContext.splitBaseStrings` holds).
  public static func strings(of base: [UInt8]) throws(EncodeError) -> StringSectionIndex {
    StringSectionIndex(Array(base[try BTFSections(base).strings]))
  }

  /// The standalone blob of `base` followed by `split`: the base's types then the split's, the
  /// base's strings then the split's. Because split ids and string offsets continue the base's,
  /// this is the type and string space the kernel checks a module's BTF in; the validator and
  /// the kernel-load tests check it (`BPF_BTF_LOAD` takes no base).
  public static func concatenate(base: [UInt8], split: [UInt8]) throws(EncodeError) -> [UInt8] {
    let b = try BTFSections(base), s = try BTFSections(split)
    let typeLength = b.types.count + s.types.count
    let stringLength = b.strings.count + s.strings.count
    guard typeLength <= Int(UInt32.max), stringLength <= Int(UInt32.max) else {
      throw EncodeError("base and split BTF together exceed 4 GiB")
    }
    var out = ByteWriter()
    out.bytes.reserveCapacity(24 + typeLength + stringLength)
    out.u16(BTFWire.magic)
    out.u8(BTFWire.version)
    out.u8(0)  // flags
    out.u32(BTFWire.headerLength)
    out.u32(0)  // type_off
    out.u32(UInt32(typeLength))
    out.u32(UInt32(typeLength))  // str_off
    out.u32(UInt32(stringLength))
    out.bytes.append(contentsOf: base[b.types])
    out.bytes.append(contentsOf: split[s.types])
    out.bytes.append(contentsOf: base[b.strings])
    out.bytes.append(contentsOf: split[s.strings])
    return out.bytes
  }
}
