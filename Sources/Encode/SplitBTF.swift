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
  ///
  /// The header is the split's own (its magic, version, flags, `hdr_len` and whatever follows
  /// the 24 bytes), and its sections keep their places around the base's, which go in front of
  /// each: whatever the kernel's `btf_parse_hdr` says of a module's header (flags set, a gap
  /// or an overlap between the sections) it says of this blob too, so loading it asks the
  /// running kernel about the split's header as well. For split BTF as encoders write it
  /// (24-byte header, types then strings) this is the plain concatenation.
  public static func concatenate(base: [UInt8], split: [UInt8]) throws(EncodeError) -> [UInt8] {
    let b = try BTFSections(base)
    let s = try BTFSections(split)
    let typeLength = b.types.count + s.types.count
    let stringLength = b.strings.count + s.strings.count
    guard typeLength <= Int(UInt32.max), stringLength <= Int(UInt32.max),
      split.count + b.types.count + b.strings.count <= Int(UInt32.max)
    else {
      throw EncodeError("base and split BTF together exceed 4 GiB")
    }
    var out = ByteWriter()
    out.bytes.reserveCapacity(split.count + b.types.count + b.strings.count)
    out.bytes.append(contentsOf: split[..<s.headerLength])
    // The base's sections go in front of the split's, in the order the split's come.
    let typesFirst = s.types.lowerBound <= s.strings.lowerBound
    let (firstAt, secondAt) = typesFirst ? (s.types.lowerBound, s.strings.lowerBound) : (s.strings.lowerBound, s.types.lowerBound)
    let (firstBase, secondBase) = typesFirst ? (b.types, b.strings) : (b.strings, b.types)
    out.bytes.append(contentsOf: split[s.headerLength..<firstAt])
    out.bytes.append(contentsOf: base[firstBase])
    out.bytes.append(contentsOf: split[firstAt..<secondAt])
    out.bytes.append(contentsOf: base[secondBase])
    out.bytes.append(contentsOf: split[secondAt...])
    let typeOff = s.types.lowerBound - s.headerLength + (typesFirst ? 0 : b.strings.count)
    let strOff = s.strings.lowerBound - s.headerLength + (typesFirst ? b.types.count : 0)
    for (at, value) in [(8, typeOff), (12, typeLength), (16, strOff), (20, stringLength)] {
      for k in 0..<4 { out.bytes[at + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
    }
    return out.bytes
  }

  /// The number of types of `base`, void included: the first type id of split BTF on top of it
  /// (libbpf's `btf__type_cnt`).
  public static func typeCount(of base: [UInt8]) throws(EncodeError) -> UInt32 {
    UInt32(try BTFDecoder.records(base, BTFSections(base).types).count + 1)
  }
}
