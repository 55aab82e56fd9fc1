import Encode
import TypeGraph

/// A member's type as the member sees it: each kind's `check_member` and `check_kflag_member`
/// (the `kindOps` rows say which kind uses which).
extension KernelChecker {
  /// `btf_struct_resolve`'s call of the member type's `check_member` or, under the struct's
  /// kind_flag, `check_kflag_member`.
  func checkMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    if kflag(st) {
      try checkKflagMember(st, m, mt)
    } else {
      try checkPlainMember(st, m, mt)
    }
  }

  /// `btf_type_ops(mt)->check_member`.
  func checkPlainMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    guard let ops = kindOps(mt) else { return try btfDfCheckMember(st, m, mt) }
    try ops.checkMember(self, st, m, mt)
  }

  /// `btf_type_ops(mt)->check_kflag_member`.
  func checkKflagMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    guard let ops = kindOps(mt) else { return try btfDfCheckKflagMember(st, m, mt) }
    try ops.checkKflagMember(self, st, m, mt)
  }

  func bytesUp(_ bits: UInt32) -> UInt32 { (bits >> 3) + (bits & 7 != 0 ? 1 : 0) }

  func btfDfCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    logType(st, details: false, "Unsupported check_member")
    throw .inval
  }

  func btfDfCheckKflagMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    logType(st, details: false, "Unsupported check_kflag_member")
    throw .inval
  }

  func btfIntCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    let d = word(mt, 0)
    var off = m.offset
    let intOff = (d >> 16) & 0xff
    if UInt32.max - off < intOff {
      logMember(st, m, "bits_offset exceeds U32_MAX")
      throw .inval
    }
    off += intOff
    let bytesOffset = off >> 3
    let copyBits = (d & 0xff) + (off & 7)
    if copyBits > 128 {
      logMember(st, m, "nr_copy_bits exceeds 128")
      throw .inval
    }
    if structSize < bytesOffset || structSize - bytesOffset < bytesUp(copyBits) {
      logMember(st, m, "Member exceeds struct_size")
      throw .inval
    }
  }

  func btfPtrCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    if m.offset & 7 != 0 {
      logMember(st, m, "Member is not byte aligned")
      throw .inval
    }
    if structSize &- (m.offset >> 3) < 8 {
      logMember(st, m, "Member exceeds struct_size")
      throw .inval
    }
  }

  func btfArrayCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    if m.offset & 7 != 0 {
      logMember(st, m, "Member is not byte aligned")
      throw .inval
    }
    let size = typeIDSize(m.type)?.size ?? 0
    if structSize &- (m.offset >> 3) < size {
      logMember(st, m, "Member exceeds struct_size")
      throw .inval
    }
  }

  /// `btf_struct_check_member`; `btf_enum_check_member` is the same check.
  func btfStructCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    if m.offset & 7 != 0 {
      logMember(st, m, "Member is not byte aligned")
      throw .inval
    }
    if structSize &- (m.offset >> 3) < sizeType(mt) {
      logMember(st, m, "Member exceeds struct_size")
      throw .inval
    }
  }

  func btfEnumCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    try btfStructCheckMember(st, m, mt)
  }

  func btfModifierCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    guard let r = typeIDSize(m.type) else {
      logMember(st, m, "Invalid member")
      throw .inval
    }
    var rm = m
    rm.type = r.id
    try checkPlainMember(st, rm, r.id)
  }

  func btfFloatCheckMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    let alignBits = UInt64(min(8, sizeType(mt))) * 8
    if alignBits == 0 || UInt64(m.offset) % alignBits != 0 {
      logMember(st, m, "Member is not properly aligned")
      throw .inval
    }
    if UInt64(m.offset / 8) + UInt64(sizeType(mt)) > UInt64(structSize) {
      logMember(st, m, "Member exceeds struct_size")
      throw .inval
    }
  }

  func btfIntCheckKflagMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    let bitfield = m.offset >> 24
    let bitOff = m.offset & 0xff_ffff
    if !intIsRegular(mt) {
      logMember(st, m, "Invalid member base type")
      throw .inval
    }
    var nrBits = bitfield
    let intBits = word(mt, 0) & 0xff
    if nrBits == 0 {
      if bitOff & 7 != 0 {
        logMember(st, m, "Invalid member offset")
        throw .inval
      }
      nrBits = intBits
    } else if nrBits > intBits {
      logMember(st, m, "Invalid member bitfield_size")
      throw .inval
    }
    let bytesOffset = bitOff >> 3
    let copyBits = nrBits + (bitOff & 7)
    if copyBits > 128 {
      logMember(st, m, "nr_copy_bits exceeds 128")
      throw .inval
    }
    if structSize < bytesOffset || structSize - bytesOffset < bytesUp(copyBits) {
      logMember(st, m, "Member exceeds struct_size")
      throw .inval
    }
  }

  func btfGenericCheckKflagMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    if m.offset >> 24 != 0 {
      logMember(st, m, "Invalid member bitfield_size")
      throw .inval
    }
    // The bitfield size is 0, so the offset is a bit offset only: the plain check applies.
    try checkPlainMember(st, m, mt)
  }

  func btfEnumCheckKflagMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    let bitOff = m.offset & 0xff_ffff
    var nrBits = m.offset >> 24
    if nrBits == 0 {
      if bitOff & 7 != 0 {
        logMember(st, m, "Member is not byte aligned")
        throw .inval
      }
      nrBits = 32
    } else if nrBits > 32 {
      logMember(st, m, "Invalid member bitfield_size")
      throw .inval
    }
    if structSize < bytesUp(bitOff &+ nrBits) {
      logMember(st, m, "Member exceeds struct_size")
      throw .inval
    }
  }

  func btfModifierCheckKflagMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    guard let r = typeIDSize(m.type) else {
      logMember(st, m, "Invalid member")
      throw .inval
    }
    var rm = m
    rm.type = r.id
    try checkKflagMember(st, rm, r.id)
  }
}
