@_spi(Columns) import TypeGraph

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
    let typeStart = sections.types.lowerBound, typeEnd = sections.types.upperBound
    let strStart = sections.strings.lowerBound, strLen = sections.strings.count

    var g = TypeGraph()
    g.strings = strings
    defer { strings = g.strings }
    // String offset -> NameID + 1 (0: not interned yet), interned lazily: a dense column, not a
    // dictionary, since a module conversion decodes all of vmlinux's BTF (its base). Passed to
    // `name` rather than captured by it: a captured `var` lives in a box whose every access the
    // runtime checks for exclusivity, and `g` is written for every record.
    nameCache = [Int32](repeating: 0, count: strLen + 1)
    func name(_ off: UInt32, _ strings: inout StringTable, _ cache: inout [Int32], _ what: @autoclosure () -> String)
      throws(EncodeError) -> NameID
    {
      if off == 0 { return .empty }
      if Int(off) < strLen, cache[Int(off)] != 0 { return NameID(rawValue: cache[Int(off)] - 1) }
      guard Int(off) < strLen else {
        throw EncodeError("bad BTF: \(what()) has name offset \(off) outside the \(strLen)-byte string section")
      }
      var end = strStart + Int(off)
      let limit = strStart + strLen
      while end < limit && bytes[end] != 0 { end += 1 }
      guard end < limit else {
        throw EncodeError("bad BTF: \(what()) has a name at offset \(off) that is not NUL-terminated")
      }
      let n = bytes.withUnsafeBytes { all in
        strings.intern(UnsafeRawBufferPointer(rebasing: all[(strStart + Int(off))..<end]))
      }
      cache[Int(off)] = n.rawValue + 1
      return n
    }

    // Pass 1: records and their positions (references may point forward).
    struct Record { var pos: Int; var info: UInt32 }
    var records: [Record] = []
    var pos = typeStart
    while pos < typeEnd {
      let id = records.count + 1
      guard typeEnd - pos >= 12 else {
        throw EncodeError("bad BTF: type [\(id)] is truncated (\(typeEnd - pos) bytes left of 12)")
      }
      let info = r.u32(pos + 4)
      let number = UInt8((info >> 24) & 0x1f)
      let vlen = Int(info & 0xffff)
      guard number != 0, let kind = Kind(rawValue: number), kind.isBTF else {
        throw EncodeError("bad BTF: type [\(id)] has unknown kind \(number)")
      }
      let extra = kind.wireTrailingBytes(vlen: vlen)
      guard typeEnd - pos - 12 >= extra else {
        throw EncodeError("bad BTF: type [\(id)] (kind \(number), vlen \(vlen)) runs past the end of the type section")
      }
      records.append(Record(pos: pos, info: info))
      pos += 12 + extra
    }
    let count = records.count
    func tid(_ v: UInt32, _ id: Int, _ what: @autoclosure () -> String) throws(EncodeError) -> TypeID {
      guard v <= UInt32(count) else {
        throw EncodeError("bad BTF: type [\(id)] \(what()) refers to type \(v), but there are only \(count) types")
      }
      return TypeID(Int(v))
    }

    // Pass 2: nodes, in id order.
    var indexType: UInt32? = nil
    for (k, rec) in records.enumerated() {
      let id = k + 1
      let p = rec.pos
      let info = rec.info
      let kind = Kind(rawValue: UInt8((info >> 24) & 0x1f))!
      let kindFlag = info >> 31 != 0
      let vlen = Int(info & 0xffff)
      let nm = try name(r.u32(p), &g.strings, &nameCache, "type [\(id)]")
      let sizeOrType = r.u32(p + 8)
      let x = p + 12
      if kindFlag {
        switch kind {
        case .structure, .union, .enumeration, .enum64, .forward: break
        case .typeTag, .declTag:
          notes.append("type [\(id)] \(kind.btfName): kind_flag (attribute) dropped; the graph has no place for it")
        default:
          notes.append("type [\(id)] \(kind.btfName): meaningless kind_flag dropped")
        }
      }
      switch kind {
      case .int:
        g.add(.int, name: nm, size: sizeOrType, aux: r.u32(x))
      case .float:
        g.add(.float, name: nm, size: sizeOrType)
      case .pointer, .const, .volatile, .restrict, .typedef, .typeTag:
        g.add(kind, name: nm, ref: try tid(sizeOrType, id, "target"))
      case .array:
        let idx = r.u32(x + 4)
        _ = try tid(idx, id, "index type")
        if indexType == nil {
          indexType = idx
        } else if indexType != idx {
          notes.append("array [\(id)] uses index type \(idx); the graph keeps \(indexType!) for every array")
        }
        g.add(.array, name: nm, ref: try tid(r.u32(x), id, "element type"), aux: r.u32(x + 8))
      case .structure, .union:
        let node = g.add(kind, name: nm, size: sizeOrType)
        var ms: [Member] = []
        ms.reserveCapacity(vlen)
        for j in 0..<vlen {
          let m = x + 12 * j
          let off = r.u32(m + 8)
          ms.append(
            Member(
              name: try name(r.u32(m), &g.strings, &nameCache, "member \(j) of type [\(id)]"),
              type: try tid(r.u32(m + 4), id, "member \(j)"),
              value: UInt64(kindFlag ? off & 0xff_ffff : off), bits: kindFlag ? off >> 24 : 0))
        }
        g.setMembers(node, ms)
      case .enumeration:
        let node = g.add(.enumeration, name: nm, size: sizeOrType, flags: kindFlag ? .signed : [])
        var ms: [Member] = []
        ms.reserveCapacity(vlen)
        for j in 0..<vlen {
          let m = x + 8 * j
          let v = r.u32(m + 4)
          let value = kindFlag ? UInt64(bitPattern: Int64(Int32(bitPattern: v))) : UInt64(v)
          ms.append(Member(name: try name(r.u32(m), &g.strings, &nameCache, "enumerator \(j) of type [\(id)]"), value: value))
        }
        g.setMembers(node, ms)
      case .enum64:
        let node = g.add(.enum64, name: nm, size: sizeOrType, flags: kindFlag ? .signed : [])
        var ms: [Member] = []
        ms.reserveCapacity(vlen)
        for j in 0..<vlen {
          let m = x + 12 * j
          let value = UInt64(r.u32(m + 4)) | UInt64(r.u32(m + 8)) << 32
          ms.append(Member(name: try name(r.u32(m), &g.strings, &nameCache, "enumerator \(j) of type [\(id)]"), value: value))
        }
        g.setMembers(node, ms)
      case .forward:
        g.add(.forward, name: nm, aux: kindFlag ? 1 : 0)
      case .function:
        g.add(.function, name: nm, ref: try tid(sizeOrType, id, "prototype"), aux: UInt32(vlen))
      case .functionProto:
        let node = g.add(.functionProto, name: nm, ref: try tid(sizeOrType, id, "return type"))
        var ms: [Member] = []
        ms.reserveCapacity(vlen)
        for j in 0..<vlen {
          let m = x + 8 * j
          ms.append(
            Member(
              name: try name(r.u32(m), &g.strings, &nameCache, "parameter \(j) of type [\(id)]"),
              type: try tid(r.u32(m + 4), id, "parameter \(j)")))
        }
        g.setMembers(node, ms)
      case .variable:
        g.add(.variable, name: nm, ref: try tid(sizeOrType, id, "type"), aux: r.u32(x))
      case .dataSection:
        let node = g.add(.dataSection, name: nm, size: sizeOrType)
        var ms: [Member] = []
        ms.reserveCapacity(vlen)
        for j in 0..<vlen {
          let m = x + 12 * j
          ms.append(
            Member(type: try tid(r.u32(m), id, "entry \(j)"), value: UInt64(r.u32(m + 4)), bits: r.u32(m + 8)))
        }
        g.setMembers(node, ms)
      case .declTag:
        g.add(.declTag, name: nm, ref: try tid(sizeOrType, id, "target"), aux: r.u32(x))
      case .unrepresentable, .void, .removed:
        throw EncodeError("bad BTF: type [\(id)] has unknown kind \(kind.rawValue)")
      }
    }
    if let indexType { g.setArrayIndexType(TypeID(Int(indexType))) }
    return g
  }
}

/// Little-endian reads at offsets the caller has bounds-checked.

