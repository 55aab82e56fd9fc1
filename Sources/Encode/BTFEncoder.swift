import TypeGraph

/// Writes a `TypeGraph` as a raw BTF blob (`.BTF` section contents / `BPF_BTF_LOAD` input).
///
/// The encoder owns every wire detail (info bits, vlen, kind_flag, name offsets, dense ids)
/// and refuses what it cannot write faithfully: graph-only kinds, references to removed nodes,
/// kinds the target kernel lacks, and values that do not fit their BTF fields. It never
/// repairs anything (the passes do) and does not check the kernel's semantic rules (the
/// validator in `Verify` does).
///
/// Layout: 24-byte header (magic 0xEB9F, version 1, flags 0, type_off 0, str_off = type_len),
/// the type section in `TypeGraph.encodingSequence()` order, then the string section, which
/// starts with the empty string and holds each distinct name once, in order of first use.
/// - Complexity: O(nodes + members + string bytes).
public struct BTFEncoder: Sendable {
  public var target: TargetFeatures

  public init(target: TargetFeatures = .linux6_1) { self.target = target }

  public func encode(_ graph: TypeGraph) throws(EncodeError) -> [UInt8] {
    let sequence = graph.encodingSequence()
    let order = graph.encodingOrder(of: sequence)
    // Split BTF continues the base's ids and strings (see `SplitBase`).
    let firstID = graph.splitBase?.typeCount ?? 1
    if UInt64(firstID) + UInt64(sequence.count) > UInt64(BTFWire.maxTypeID) {
      throw EncodeError(
        "cannot encode \(sequence.count) types after \(firstID - 1) base types: BTF allows at most \(BTFWire.maxTypeID - 1) in all")
    }

    var strings = StringSectionBuilder(base: graph.splitBase)
    var types = ByteWriter()
    types.bytes.reserveCapacity(sequence.count * 24 + graph.memberNames.count * 12)

    // Taken once: each `graph.strings` is a copy of the table (a retain and a release of each of
    // its arrays), which per name was a seventh of the encoder's time.
    let table = graph.strings
    for id in sequence {
      try encodeNode(id, graph.memberRange(id), graph, table, order, &strings, &types)
    }
    if types.bytes.count > Int(UInt32.max) {
      throw EncodeError("cannot encode: type section of \(types.bytes.count) bytes exceeds 4 GiB")
    }

    let stringBytes = strings.bytes
    if Int(strings.firstOffset) + stringBytes.count - 1 > Int(BTFWire.maxNameOffset) {
      throw EncodeError(
        "cannot encode: string section of \(stringBytes.count) bytes (after \(strings.firstOffset) base bytes) exceeds 16 MiB")
    }
    var out = ByteWriter()
    out.bytes.reserveCapacity(24 + types.bytes.count + stringBytes.count)
    out.u16(BTFWire.magic)
    out.u8(BTFWire.version)
    out.u8(0) // flags
    out.u32(BTFWire.headerLength)
    out.u32(0) // type_off
    out.u32(UInt32(types.bytes.count)) // type_len
    out.u32(UInt32(types.bytes.count)) // str_off
    out.u32(UInt32(stringBytes.count)) // str_len
    out.bytes.append(contentsOf: types.bytes)
    out.bytes.append(contentsOf: stringBytes)
    return out.bytes
  }

  // MARK: Per node

  private func encodeNode(
    _ id: TypeID, _ range: Range<Int>, _ g: TypeGraph, _ table: StringTable, _ order: ContiguousArray<Int32>,
    _ strings: inout StringSectionBuilder, _ w: inout ByteWriter
  ) throws(EncodeError) {
    let i = id.index
    let kind = g.kinds[i]

    func ref(_ t: TypeID, _ what: @autoclosure () -> String) throws(EncodeError) -> UInt32 {
      guard t.index >= 0 && t.index < g.count else {
        throw EncodeError("cannot encode \(describe(g, id)): \(what()) refers to #\(t.rawValue), which does not exist")
      }
      let v = order[t.index]
      if v < 0 {
        throw EncodeError(
          "cannot encode \(describe(g, id)): \(what()) refers to removed node #\(t.rawValue); prune references first")
      }
      return UInt32(v)
    }
    func name(_ n: NameID, _ what: @autoclosure () -> String) throws(EncodeError) -> UInt32 {
      if n.isEmpty { return 0 }
      let length = table.length(n)
      // A DECL_TAG's string is a value, not a name: the kernel takes it at any length.
      if length > target.maxNameLength && kind != .declTag {
        throw EncodeError(
          """
          cannot encode \(describe(g, id)): \(what()) is \(length) bytes long, the target allows \(target.maxNameLength); run \
          sanitize-names first
          """
        )
      }
      return try strings.offset(of: n, in: table) { () throws(EncodeError) in
        throw EncodeError("cannot encode \(describe(g, id)): \(what()) contains a NUL byte")
      }
    }
    func requireFeature(_ f: TargetFeatures, _ label: String) throws(EncodeError) {
      if !target.contains(f) {
        throw EncodeError(
          "cannot encode \(describe(g, id)): the target kernel has no \(label); run the sanitize passes for this target first")
      }
    }
    func vlen(_ n: Int) throws(EncodeError) -> UInt32 {
      if n > BTFWire.maxVlen {
        throw EncodeError("cannot encode \(describe(g, id)): \(n) members, BTF allows at most \(BTFWire.maxVlen)")
      }
      return UInt32(n)
    }
    func header(_ nameOff: UInt32, _ vlen: UInt32, _ kindFlag: Bool, _ sizeOrType: UInt32) {
      w.u32(nameOff)
      w.u32(BTFInfo(kind: kind, vlen: vlen, kindFlag: kindFlag).word)
      w.u32(sizeOrType)
    }

    let nameOff = try name(g.names[i], "its name")

    switch kind {
    case .unrepresentable:
      var origin = ""
      if g.dieOffsets[i] != 0 { origin = " [die 0x\(String(g.dieOffsets[i], radix: 16))]" }
      throw EncodeError(
        """
        cannot encode UNREPRESENTABLE '\(g.strings.string(g.names[i]))' #\(id.rawValue)\(origin) (\(DWARFTag.name(g.dwarfTags[i]))): run \
        demote-unrepresentable first
        """
      )
    case .void, .removed:
      return // never in the sequence
    case .int:
      header(nameOff, 0, false, g.sizes[i])
      w.u32(g.auxes[i])
    case .float:
      try requireFeature(.float, "FLOAT kind (Linux 5.13)")
      header(nameOff, 0, false, g.sizes[i])
    case .pointer, .const, .volatile, .restrict, .typedef:
      header(nameOff, 0, false, try ref(g.refs[i], "its target"))
    case .typeTag:
      try requireFeature(.typeTag, "TYPE_TAG kind (Linux 5.17)")
      // aux 1: a type attribute (kind_flag 1, Linux 6.15), as libbpf's btf__add_type_attr.
      header(nameOff, 0, g.auxes[i] != 0, try ref(g.refs[i], "its target"))
    case .array:
      header(nameOff, 0, false, 0)
      w.u32(try ref(g.refs[i], "its element type"))
      w.u32(try ref(g.arrayIndexTypeID, "its index type"))
      w.u32(g.auxes[i])
    case .structure, .union:
      let n = try vlen(range.count)
      var kindFlag = false
      for m in range where g.memberBits[m] != 0 {
        kindFlag = true
        break
      }
      header(nameOff, n, kindFlag, g.sizes[i])
      for m in range {
        let value = g.memberValues[m]
        let bits = g.memberBits[m]
        func what() -> String { "member \(m - range.lowerBound) '\(g.strings.string(g.memberNames[m]))'" }
        w.u32(try name(g.memberNames[m], "the name of \(what())"))
        w.u32(try ref(g.memberTypes[m], "the type of \(what())"))
        if kindFlag {
          guard value < 1 << 24, bits < 256 else {
            throw EncodeError(
              """
              cannot encode \(describe(g, id)): \(what()) at bit \(value) with bitfield size \(bits) does not fit BTF's 24-bit offset / \
              8-bit size
              """
            )
          }
          w.u32(bits << 24 | UInt32(value))
        } else {
          guard value <= UInt64(UInt32.max) else {
            throw EncodeError("cannot encode \(describe(g, id)): \(what()) bit offset \(value) exceeds 32 bits")
          }
          w.u32(UInt32(value))
        }
      }
    case .enumeration:
      let n = try vlen(range.count)
      header(nameOff, n, g.flags[i].contains(.signed), g.sizes[i])
      for m in range {
        let v = g.memberValues[m]
        let s = Int64(bitPattern: v)
        guard v <= UInt64(UInt32.max) || (s >= Int64(Int32.min) && s <= Int64(Int32.max)) else {
          throw EncodeError(
            """
            cannot encode \(describe(g, id)): enumerator '\(g.strings.string(g.memberNames[m]))' value \(v) does not fit ENUM's 32 bits; \
            use ENUM64
            """
          )
        }
        w.u32(try name(g.memberNames[m], "an enumerator name"))
        w.u32(UInt32(truncatingIfNeeded: v))
      }
    case .enum64:
      try requireFeature(.enum64, "ENUM64 kind (Linux 6.0)")
      let n = try vlen(range.count)
      header(nameOff, n, g.flags[i].contains(.signed), g.sizes[i])
      for m in range {
        let v = g.memberValues[m]
        w.u32(try name(g.memberNames[m], "an enumerator name"))
        w.u32(UInt32(truncatingIfNeeded: v))
        w.u32(UInt32(truncatingIfNeeded: v >> 32))
      }
    case .forward:
      let aux = g.auxes[i]
      guard aux <= 1 else {
        throw EncodeError("cannot encode \(describe(g, id)): forward kind \(aux) is neither struct (0) nor union (1)")
      }
      header(nameOff, 0, aux == 1, 0)
    case .function:
      let linkage = g.auxes[i]
      guard linkage <= 0xffff else {
        throw EncodeError("cannot encode \(describe(g, id)): linkage \(linkage) does not fit vlen")
      }
      header(nameOff, linkage, false, try ref(g.refs[i], "its prototype"))
    case .functionProto:
      let n = try vlen(range.count)
      header(nameOff, n, false, try ref(g.refs[i], "its return type"))
      for m in range {
        func what() -> String { "parameter \(m - range.lowerBound)" }
        w.u32(try name(g.memberNames[m], "the name of \(what())"))
        w.u32(try ref(g.memberTypes[m], "the type of \(what())"))
      }
    case .variable:
      header(nameOff, 0, false, try ref(g.refs[i], "its type"))
      w.u32(g.auxes[i])
    case .dataSection:
      let n = try vlen(range.count)
      header(nameOff, n, false, g.sizes[i])
      for m in range {
        func what() -> String { "entry \(m - range.lowerBound)" }
        let value = g.memberValues[m]
        guard value <= UInt64(UInt32.max) else {
          throw EncodeError("cannot encode \(describe(g, id)): \(what()) offset \(value) exceeds 32 bits")
        }
        w.u32(try ref(g.memberTypes[m], "the variable of \(what())"))
        w.u32(UInt32(value))
        w.u32(g.memberBits[m])
      }
    case .declTag:
      try requireFeature(.declTag, "DECL_TAG kind (Linux 5.16)")
      header(nameOff, 0, false, try ref(g.refs[i], "its target"))
      w.u32(g.auxes[i])
    }
  }
}

/// "STRUCT 'Foo' #5 [die 0x1234]": how encoder errors name a node.
func describe(_ g: TypeGraph, _ id: TypeID) -> String {
  var s = "\(g.kinds[id.index].btfName) '\(g.strings.string(g.names[id.index]))' #\(id.rawValue)"
  let die = g.dieOffsets[id.index]
  if die != 0 { s += " [die 0x\(String(die, radix: 16))]" }
  return s
}

/// The string section: "\0" first, each distinct name once, in order of first use. Split BTF
/// (a `SplitBase`) refers to the strings the base holds by their base offsets and numbers its
/// own after the base's section, which it does not repeat the leading "\0" of (libbpf's and
/// the kernel's convention).
struct StringSectionBuilder {
  private(set) var bytes: [UInt8]
  /// The offset of `bytes[0]`: 0, or the base's string section length.
  let firstOffset: UInt32
  private let base: SplitBase?
  /// `NameID.rawValue` -> offset + 1 (0: not written yet). Equal strings share a `NameID`, so
  /// this deduplicates.
  private var offsets: [UInt32] = []

  init(base: SplitBase? = nil) {
    self.base = base
    firstOffset = base?.stringLength ?? 0
    bytes = base == nil ? [0] : []
  }

  mutating func offset(
    of n: NameID, in table: StringTable, onNUL: () throws(EncodeError) -> Void
  ) throws(EncodeError) -> UInt32 {
    if let off = base?.stringOffset(n) { return off }
    let k = n.index
    if k >= offsets.count { offsets.append(contentsOf: repeatElement(0, count: max(k + 1 - offsets.count, offsets.count))) }
    if offsets[k] != 0 { return offsets[k] - 1 }
    let off = firstOffset + UInt32(bytes.count)
    var hasNUL = false
    table.withBytes(n) { buf in
      for b in buf where b == 0 { hasNUL = true }
      bytes.append(contentsOf: buf)
    }
    if hasNUL { try onNUL() }
    bytes.append(0)
    offsets[k] = off + 1
    return off
  }
}
