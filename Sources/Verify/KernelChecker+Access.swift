import Encode
import TypeGraph

/// Reading the blob: type records, their fields, and the string section (`btf_name_by_offset`, the name checks).
extension KernelChecker {
  @inline(__always) func u32(_ at: Int) -> UInt32 { reader.u32(at) }
  @inline(__always) func exists(_ id: UInt32) -> Bool { id < nrTypes }
  @inline(__always) func info(_ t: UInt32) -> UInt32 { t == 0 ? 0 : u32(pos[Int(t)] + 4) }
  /// The raw kind number (bits 24-28 of info), valid or not.
  @inline(__always) func kindNumber(_ t: UInt32) -> UInt32 { UInt32(BTFInfo(info(t)).kindNumber) }
  /// The kind, named; nil for void (id 0) and for numbers no BTF kind has.
  @inline(__always) func kind(_ t: UInt32) -> Kind? { BTFInfo(info(t)).kind }
  @inline(__always) func vlen(_ t: UInt32) -> Int { BTFInfo(info(t)).vlen }
  @inline(__always) func kflag(_ t: UInt32) -> Bool { BTFInfo(info(t)).kindFlag }
  @inline(__always) func nameOff(_ t: UInt32) -> UInt32 { t == 0 ? 0 : u32(pos[Int(t)]) }
  @inline(__always) func sizeType(_ t: UInt32) -> UInt32 { t == 0 ? 0 : u32(pos[Int(t)] + 8) }
  /// The `k`th u32 after the 12-byte common header.
  @inline(__always) func word(_ t: UInt32, _ k: Int) -> UInt32 { u32(pos[Int(t)] + 12 + 4 * k) }
  func member(_ t: UInt32, _ i: Int) -> MemberRef {
    MemberRef(name: word(t, 3 * i), type: word(t, 3 * i + 1), offset: word(t, 3 * i + 2))
  }

  // Kind predicates (`btf_type_is_*`); id 0 is void.
  func isVoid(_ t: UInt32) -> Bool { t == 0 }
  func isInt(_ t: UInt32) -> Bool { t != 0 && kind(t) == .int }
  func isPtr(_ t: UInt32) -> Bool { t != 0 && kind(t) == .pointer }
  func isArray(_ t: UInt32) -> Bool { t != 0 && kind(t) == .array }
  func isStruct(_ t: UInt32) -> Bool { t != 0 && (kind(t) == .structure || kind(t) == .union) }
  func isFwd(_ t: UInt32) -> Bool { t != 0 && kind(t) == .forward }
  func isTypedef(_ t: UInt32) -> Bool { t != 0 && kind(t) == .typedef }
  func isFunc(_ t: UInt32) -> Bool { t != 0 && kind(t) == .function }
  func isFuncProto(_ t: UInt32) -> Bool { t != 0 && kind(t) == .functionProto }
  func isVar(_ t: UInt32) -> Bool { t != 0 && kind(t) == .variable }
  func isDatasec(_ t: UInt32) -> Bool { t != 0 && kind(t) == .dataSection }
  func isDeclTag(_ t: UInt32) -> Bool { t != 0 && kind(t) == .declTag }
  func isTypeTag(_ t: UInt32) -> Bool { t != 0 && kind(t) == .typeTag }
  /// By kind number, not `kind(_:)`: `btf_check_type_tags` asks this of every type of a
  /// vmlinux-sized base.
  func isModifier(_ t: UInt32) -> Bool {
    guard t != 0 else { return false }
    switch UInt8(kindNumber(t)) {
    case Kind.typedef.rawValue, Kind.volatile.rawValue, Kind.const.rawValue, Kind.restrict.rawValue, Kind.typeTag.rawValue:
      return true
    default: return false
    }
  }
  func nosize(_ t: UInt32) -> Bool { isVoid(t) || isFwd(t) || isFunc(t) || isFuncProto(t) || isDeclTag(t) }
  func nosizeOrNull(_ t: UInt32) -> Bool { !exists(t) || nosize(t) }
  /// `btf_type_has_size`: the kinds whose record's word is a byte size (`KindInfo.size`).
  func hasSize(_ t: UInt32) -> Bool { t != 0 && kind(t)?.info.size == .bytes }
  func resolveSourceOnly(_ t: UInt32) -> Bool { isVar(t) || isDeclTag(t) || isDatasec(t) }
  func needsResolve(_ t: UInt32) -> Bool {
    isModifier(t) || isPtr(t) || isStruct(t) || isArray(t) || isVar(t) || isFunc(t) || isDeclTag(t)
      || isDatasec(t)
  }
  func isDeclTagTarget(_ t: UInt32) -> Bool { isFunc(t) || isStruct(t) || isVar(t) || isTypedef(t) }
  /// `btf_type_int_is_regular`.
  func intIsRegular(_ t: UInt32) -> Bool {
    let d = word(t, 0)
    let bits = d & 0xff
    let bytes = (bits >> 3) + (bits & 7 != 0 ? 1 : 0)
    if bits & 7 != 0 || (d >> 16) & 0xff != 0 { return false }
    return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8 || bytes == 16
  }

  // MARK: Strings

  func nameOffsetValid(_ off: UInt32) -> Bool { off <= 0x00ff_ffff && off < strLen }

  func nameByOffset(_ off: UInt32) -> String {
    if off == 0 { return "(anon)" }
    guard off < strLen else { return "(invalid-name-offset)" }
    var end = strStart + Int(off)
    while end < b.count && b[end] != 0 { end += 1 }
    return String(decoding: b[(strStart + Int(off))..<end], as: UTF8.self)
  }

  /// The kernel's `_ctype` classes (lib/ctype.c, Latin-1 upper half included).
  static let ctype: [UInt8] = {
    let c: UInt8 = 0x20
    let s: UInt8 = 0x08
    let p: UInt8 = 0x10
    let d: UInt8 = 0x04
    let u: UInt8 = 0x01
    let l: UInt8 = 0x02
    let x: UInt8 = 0x40
    let sp: UInt8 = 0x80
    var t = [UInt8](repeating: 0, count: 256)
    for i in 0..<32 { t[i] = c }
    for i in 9...13 { t[i] = c | s }
    t[32] = s | sp
    for i in 33...47 { t[i] = p }
    for i in 48...57 { t[i] = d }
    for i in 58...64 { t[i] = p }
    for i in 65...70 { t[i] = u | x }
    for i in 71...90 { t[i] = u }
    for i in 91...96 { t[i] = p }
    for i in 97...102 { t[i] = l | x }
    for i in 103...122 { t[i] = l }
    for i in 123...126 { t[i] = p }
    t[127] = c
    for i in 128...159 { t[i] = c }
    t[160] = s | sp
    for i in 161...191 { t[i] = p }
    for i in 192...214 { t[i] = u }
    t[215] = p
    for i in 216...222 { t[i] = u }
    for i in 223...246 { t[i] = l }
    t[247] = p
    for i in 248...255 { t[i] = l }
    return t
  }()
  static func isAlpha(_ ch: UInt8) -> Bool { ctype[Int(ch)] & 0x03 != 0 }
  static func isAlnum(_ ch: UInt8) -> Bool { ctype[Int(ch)] & 0x07 != 0 }
  static func isPrint(_ ch: UInt8) -> Bool { ctype[Int(ch)] & 0x97 != 0 }

  static let ksymNameLen = 512

  /// `__btf_name_char_ok`: letters, digits (not first), '_' and '.'.
  static func nameCharOK(_ ch: UInt8, first: Bool) -> Bool {
    if (first ? !isAlpha(ch) : !isAlnum(ch)) && ch != UInt8(ascii: "_") && ch != UInt8(ascii: ".") { return false }
    return true
  }

  /// Per byte: 1 when `nameCharOK(first: true)`, 2 when `nameCharOK(first: false)`.
  static let identifierBytes: [UInt8] = (0..<256).map { c in
    (nameCharOK(UInt8(c), first: true) ? 1 : 0) | (nameCharOK(UInt8(c), first: false) ? 2 : 0)
  }

  /// `btf_name_valid_identifier` (offset already valid). A vmlinux-sized base has some 600,000
  /// names: scanned through a byte table and the blob's buffer, not per byte through
  /// `nameCharOK`'s tables.
  func nameValidIdentifier(_ off: UInt32) -> Bool {
    Self.identifierBytes.withUnsafeBufferPointer { table in
      b.withUnsafeBufferPointer { p in
        var i = strStart + Int(off)
        guard table[Int(p[i])] & 1 != 0 else { return false }
        let limit = i + Self.ksymNameLen
        i += 1
        while i < p.count && p[i] != 0 && i < limit {
          if table[Int(p[i])] & 2 == 0 { return false }
          i += 1
        }
        return i < p.count && p[i] == 0
      }
    }
  }

  /// `btf_name_valid_section`: non-empty, printable.
  func nameValidSection(_ off: UInt32) -> Bool {
    var i = strStart + Int(off)
    guard b[i] != 0 else { return false }
    let limit = i + Self.ksymNameLen
    while i < b.count && b[i] != 0 && i < limit {
      if !Self.isPrint(b[i]) { return false }
      i += 1
    }
    return i < b.count && b[i] == 0
  }
}
