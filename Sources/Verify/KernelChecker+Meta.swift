import Encode
import TypeGraph

/// `btf_check_all_metas` and each kind's `check_meta` (btf.c's `kind_ops`).
extension KernelChecker {
  func btfCheckAllMetas() throws(Failure) {
    var cur = Int(hdrLen) + Int(typeOff)
    let end = cur + Int(typeLen)
    logTypeID = 1
    while cur < end {
      let size =
        logTypeID < firstMetaCheckedType ? try baseRecordSize(at: cur, end: end) : try btfCheckMeta(at: cur, metaLeft: UInt32(end - cur))
      // btf_add_type: at most BTF_MAX_TYPE slots, void included (`KernelLimits`).
      if let max = limits.maxTypes, nrTypes > max {
        fail("Exceeded max num of types", typeID: logTypeID)
        throw .e2big
      }
      cur += Int(size)
      logTypeID += 1
    }
  }

  /// A split base's record, which the kernel checked when it booted and does not check again
  /// for a module (`btf_parse_module` checks the module's own types): placed, not checked. A
  /// record whose kind or length is not sound is checked after all, to fail as the whole check.
  func baseRecordSize(at p: Int, end: Int) throws(Failure) -> UInt32 {
    if end - p >= 12, case let info = BTFInfo(u32(p + 4)), let kind = info.kind {
      let size = 12 + kind.wireTrailingBytes(vlen: info.vlen)
      if size <= end - p {
        pos.append(p)
        return UInt32(size)
      }
    }
    return try btfCheckMeta(at: p, metaLeft: UInt32(end - p))
  }

  func btfCheckMeta(at p: Int, metaLeft total: UInt32) throws(Failure) -> UInt32 {
    let id = logTypeID
    if total < 12 {
      fail("[\(id)] meta_left:\(total) meta_needed:12", typeID: id, reason: "meta_left:\(total) meta_needed:12")
      throw .inval
    }
    let metaLeft = total - 12
    let inf = BTFInfo(u32(p + 4))
    if inf.hasUnknownBits {
      let r = "Invalid btf_info:\(String(inf.word, radix: 16))"
      fail("[\(id)] \(r)", typeID: id, reason: r)
      throw .inval
    }
    if inf.kind == nil {
      let r = "Invalid kind:\(inf.kindNumber)"
      fail("[\(id)] \(r)", typeID: id, reason: r)
      throw .inval
    }
    let no = u32(p)
    if !nameOffsetValid(no) {
      let r = "Invalid name_offset:\(no)"
      fail("[\(id)] \(r)", typeID: id, reason: r)
      throw .inval
    }
    // The record is in the types array from here on (the kernel adds it after check_meta, but
    // the check only reads it through `t`).
    pos.append(p)
    let t = UInt32(pos.count - 1)
    let extra: UInt32
    do {
      extra = try checkMeta(t, metaLeft)
    } catch {
      pos.removeLast()
      throw error
    }
    return 12 + extra
  }

  func metaNeeded(_ t: UInt32, _ metaLeft: UInt32, _ needed: UInt32) throws(Failure) {
    if metaLeft < needed {
      logType(t, details: false, "meta_left:\(metaLeft) meta_needed:\(needed)")
      throw .inval
    }
  }

  /// `btf_type_ops(t)->check_meta`.
  func checkMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    guard let ops = kindOps(t) else { throw .inval }
    return try ops.checkMeta(self, t, metaLeft)
  }

  func btfIntCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.int.wireFixedBytes))
    if vlen(t) != 0 {
      logType(t, "vlen != 0")
      throw .inval
    }
    if kflag(t) {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    let d = word(t, 0)
    if d & ~0x0fff_ffff != 0 {
      logType(t, details: false, "Invalid int_data:\(String(d, radix: 16))")
      throw .inval
    }
    let bits = (d & 0xff) + ((d >> 16) & 0xff)
    if bits > 128 {
      logType(t, "nr_bits exceeds 128")
      throw .inval
    }
    if (bits >> 3) + (bits & 7 != 0 ? 1 : 0) > sizeType(t) {
      logType(t, "nr_bits exceeds type_size")
      throw .inval
    }
    let enc = (d >> 24) & 0x0f
    if enc != 0 && enc != 1 && enc != 2 && enc != 4 {
      logType(t, "Unsupported encoding")
      throw .notsupp
    }
    logType(t)
    return UInt32(Kind.int.wireFixedBytes)
  }

  func btfRefTypeCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    if vlen(t) != 0 {
      logType(t, "vlen != 0")
      throw .inval
    }
    // A TYPE_TAG may carry kind_flag 1 (an attribute, Linux 6.15+).
    if kflag(t) && kind(t) != .typeTag {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    if sizeType(t) > 0x000f_ffff {
      logType(t, "Invalid type_id")
      throw .inval
    }
    let no = nameOff(t)
    switch kind(t) {
    case .typedef?:
      if no == 0 || !nameValidIdentifier(no) {
        logType(t, "Invalid name")
        throw .inval
      }
    case .typeTag?:
      if b[strStart + Int(no)] == 0 {
        logType(t, "Invalid name")
        throw .inval
      }
    default:
      if no != 0 {
        logType(t, "Invalid name")
        throw .inval
      }
    }
    logType(t)
    return 0
  }

  func btfFwdCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    if vlen(t) != 0 {
      logType(t, "vlen != 0")
      throw .inval
    }
    if sizeType(t) != 0 {
      logType(t, "type != 0")
      throw .inval
    }
    let no = nameOff(t)
    if no == 0 || !nameValidIdentifier(no) {
      logType(t, "Invalid name")
      throw .inval
    }
    logType(t)
    return 0
  }

  func btfArrayCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.array.wireFixedBytes))
    if nameOff(t) != 0 {
      logType(t, "Invalid name")
      throw .inval
    }
    if vlen(t) != 0 {
      logType(t, "vlen != 0")
      throw .inval
    }
    if kflag(t) {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    if sizeType(t) != 0 {
      logType(t, "size != 0")
      throw .inval
    }
    let elem = word(t, 0)
    let index = word(t, 1)
    if elem == 0 || elem > 0x000f_ffff {
      logType(t, "Invalid elem")
      throw .inval
    }
    if index == 0 || index > 0x000f_ffff {
      logType(t, "Invalid index")
      throw .inval
    }
    logType(t)
    return UInt32(Kind.array.wireFixedBytes)
  }

  func btfStructCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    let isUnion = kind(t) == .union
    let n = vlen(t)
    let needed = UInt32(n * Kind.structure.wireEntryBytes)
    try metaNeeded(t, metaLeft, needed)
    let no = nameOff(t)
    if no != 0 && !nameValidIdentifier(no) {
      logType(t, "Invalid name")
      throw .inval
    }
    logType(t)
    var lastOffset: UInt32 = 0
    let structSize = sizeType(t)
    for i in 0..<n {
      let m = member(t, i)
      if !nameOffsetValid(m.name) {
        logMember(t, m, "Invalid member name_offset:\(m.name)")
        throw .inval
      }
      if m.name != 0 && !nameValidIdentifier(m.name) {
        logMember(t, m, "Invalid name")
        throw .inval
      }
      if m.type == 0 || m.type > 0x000f_ffff {
        logMember(t, m, "Invalid type_id")
        throw .inval
      }
      let offset = kflag(t) ? m.offset & 0xff_ffff : m.offset
      if isUnion && offset != 0 {
        logMember(t, m, "Invalid member bits_offset")
        throw .inval
      }
      if lastOffset > offset {
        logMember(t, m, "Invalid member bits_offset")
        throw .inval
      }
      if (offset >> 3) + (offset & 7 != 0 ? 1 : 0) > structSize {
        logMember(t, m, "Member bits_offset exceeds its struct size")
        throw .inval
      }
      logMember(t, m, nil)
      lastOffset = offset
    }
    return needed
  }

  func btfEnumCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try btfEnumCheckMetaEntries(t, metaLeft, entry: Kind.enumeration.wireEntryBytes)
  }

  func btfEnum64CheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try btfEnumCheckMetaEntries(t, metaLeft, entry: Kind.enum64.wireEntryBytes)
  }

  /// `btf_enum_check_meta` and `btf_enum64_check_meta`, which differ in the entry size.
  func btfEnumCheckMetaEntries(_ t: UInt32, _ metaLeft: UInt32, entry: Int) throws(Failure) -> UInt32 {
    let n = vlen(t)
    let needed = UInt32(n * entry)
    try metaNeeded(t, metaLeft, needed)
    let size = sizeType(t)
    if size > 8 || size == 0 || size & (size - 1) != 0 {
      logType(t, "Unexpected size")
      throw .inval
    }
    let no = nameOff(t)
    if no != 0 && !nameValidIdentifier(no) {
      logType(t, "Invalid name")
      throw .inval
    }
    logType(t)
    let words = entry / 4
    for i in 0..<n {
      let en = word(t, words * i)
      if !nameOffsetValid(en) {
        vlog("\tInvalid name_offset:\(en)")
        message = "Invalid name_offset:\(en)"
        messageTypeID = logTypeID
        throw .inval
      }
      if en == 0 || !nameValidIdentifier(en) {
        logType(t, "Invalid name")
        throw .inval
      }
      if mode == .embedded { continue }
      let lo = word(t, words * i + 1)
      if entry == 8 {
        vlog("\t\(nameByOffset(en)) val=\(kflag(t) ? String(Int32(bitPattern: lo)) : String(lo))\n")
      } else {
        let v = UInt64(lo) | UInt64(word(t, words * i + 2)) << 32
        vlog("\t\(nameByOffset(en)) val=\(kflag(t) ? String(Int64(bitPattern: v)) : String(v))\n")
      }
    }
    return needed
  }

  func btfFuncProtoCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    let needed = UInt32(vlen(t) * Kind.functionProto.wireEntryBytes)
    try metaNeeded(t, metaLeft, needed)
    if nameOff(t) != 0 {
      logType(t, "Invalid name")
      throw .inval
    }
    if kflag(t) {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    logType(t)
    return needed
  }

  func btfFuncCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    let no = nameOff(t)
    if no == 0 || !nameValidIdentifier(no) {
      logType(t, "Invalid name")
      throw .inval
    }
    if vlen(t) > 1 {
      logType(t, "Invalid func linkage")
      throw .inval
    }
    if kflag(t) {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    logType(t)
    return 0
  }

  func btfVarCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.variable.wireFixedBytes))
    if vlen(t) != 0 {
      logType(t, "vlen != 0")
      throw .inval
    }
    if kflag(t) {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    let no = nameOff(t)
    if no == 0 || !nameValidIdentifier(no) {
      logType(t, "Invalid name")
      throw .inval
    }
    let type = sizeType(t)
    if type == 0 || type > 0x000f_ffff {
      logType(t, "Invalid type_id")
      throw .inval
    }
    let linkage = word(t, 0)
    if linkage != 0 && linkage != 1 {
      logType(t, "Linkage not supported")
      throw .inval
    }
    logType(t)
    return UInt32(Kind.variable.wireFixedBytes)
  }

  func btfDatasecCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    let n = vlen(t)
    let needed = UInt32(n * Kind.dataSection.wireEntryBytes)
    try metaNeeded(t, metaLeft, needed)
    let size = sizeType(t)
    if size == 0 {
      logType(t, "size == 0")
      throw .inval
    }
    if kflag(t) {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    let no = nameOff(t)
    if no == 0 || !nameValidSection(no) {
      logType(t, "Invalid name")
      throw .inval
    }
    logType(t)
    var lastEnd: UInt64 = 0
    var sum: UInt64 = 0
    for i in 0..<n {
      let type = word(t, 3 * i)
      let off = word(t, 3 * i + 1)
      let sz = word(t, 3 * i + 2)
      if type == 0 || type > 0x000f_ffff {
        logVSI(t, type, off, sz, "Invalid type_id")
        throw .inval
      }
      if UInt64(off) < lastEnd || off >= size {
        logVSI(t, type, off, sz, "Invalid offset")
        throw .inval
      }
      if sz == 0 || sz > size {
        logVSI(t, type, off, sz, "Invalid size")
        throw .inval
      }
      lastEnd = UInt64(off) + UInt64(sz)
      if lastEnd > UInt64(size) {
        logVSI(t, type, off, sz, "Invalid offset+size")
        throw .inval
      }
      logVSI(t, type, off, sz, nil)
      sum += UInt64(sz)
    }
    if UInt64(size) < sum {
      logType(t, "Invalid btf_info size")
      throw .inval
    }
    return needed
  }

  func btfFloatCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    if vlen(t) != 0 {
      logType(t, "vlen != 0")
      throw .inval
    }
    if kflag(t) {
      logType(t, "Invalid btf_info kind_flag")
      throw .inval
    }
    let s = sizeType(t)
    if s != 2 && s != 4 && s != 8 && s != 12 && s != 16 {
      logType(t, "Invalid type_size")
      throw .inval
    }
    logType(t)
    return 0
  }

  func btfDeclTagCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.declTag.wireFixedBytes))
    if b[strStart + Int(nameOff(t))] == 0 {
      logType(t, "Invalid value")
      throw .inval
    }
    if vlen(t) != 0 {
      logType(t, "vlen != 0")
      throw .inval
    }
    // kind_flag 1 marks an attribute (btf_decl_tag("...") as __attribute__, Linux 6.15+).
    let comp = Int32(bitPattern: word(t, 0))
    if comp < -1 {
      logType(t, "Invalid component_idx")
      throw .inval
    }
    logType(t)
    return UInt32(Kind.declTag.wireFixedBytes)
  }
}
