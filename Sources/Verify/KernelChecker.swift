import Encode
import TypeGraph

/// A line-by-line port of the checks in the kernel's `kernel/bpf/btf.c` (Linux 6.x), working
/// on the raw blob. Function names follow the kernel's so each can be compared with its
/// original; the log it writes is the kernel's verbose (`log_level` 1) BTF log, of which it
/// keeps the last lines.
final class KernelChecker {
  enum Failure: Error { case inval, e2big, eexist, notsupp, loop }

  let b: [UInt8]
  let mode: ValidationMode
  let limits: KernelLimits
  /// Write the kernel's log. Off, the checks run the same and only the log text is skipped,
  /// which is most of the time on a valid blob: `BTFValidator` checks without it and runs
  /// again with it only to report a problem.
  let verbose: Bool
  init(bytes: [UInt8], mode: ValidationMode, limits: KernelLimits = .uapi, verbose: Bool = true) {
    self.b = bytes
    self.mode = mode
    self.limits = limits
    self.verbose = verbose
  }

  // Header (zero when hdr_len is short, like the kernel's kzalloc'ed copy).
  var hdrLen: UInt32 = 0, typeOff: UInt32 = 0, typeLen: UInt32 = 0, strOff: UInt32 = 0, strLen: UInt32 = 0
  var strStart = 0
  /// Byte position of each type record; index 0 (void) is unused.
  var pos: [Int] = [0]
  var nrTypes: UInt32 { UInt32(pos.count) }

  // Resolve state.
  static let notVisited: UInt8 = 0, visited: UInt8 = 1, resolved: UInt8 = 2
  enum ResolveMode { case tbd, ptr, structOrArray }
  var visit: [UInt8] = []
  var resolvedIDs: [UInt32] = []
  var resolvedSizes: [UInt32] = []
  var stack: [(id: UInt32, next: Int)] = []
  var resolveMode = ResolveMode.tbd
  var checkMetaPhase = true
  var logTypeID: UInt32 = 0

  // The log.
  var lines: [String] = []
  var current = ""
  var message = ""
  var messageTypeID: UInt32 = 0

  // MARK: Running

  func run() -> BTFProblem? {
    do {
      try btfParse()
      return nil
    } catch {
      return problem(error)
    }
  }

  func problem(_ error: Failure) -> BTFProblem {
    var all = lines
    if !current.isEmpty { all.append(current) }
    let line = all.last ?? ""
    let context = Array(all.dropLast().suffix(6))
    var msg = message
    if msg.isEmpty {
      switch error {
      case .e2big: msg = "E2BIG: BTF over 16 MiB (BTF_MAX_SIZE)"
      case .loop: msg = "ELOOP"
      default: msg = "EINVAL without a log line"
      }
    }
    return BTFProblem(typeID: messageTypeID, message: msg, context: context, line: line.isEmpty ? msg : line)
  }

  func btfParse() throws(Failure) {
    if mode == .load && b.count > 16 << 20 {
      message = "E2BIG: BTF over 16 MiB (BTF_MAX_SIZE)"
      throw .e2big
    }
    try btfParseHdr()
    try btfParseStrSec()
    try btfParseTypeSec()
    try btfCheckTypeTags()
  }

  // MARK: Log

  /// Appends text to the log; "\n" ends lines. The kernel's log is only ever appended to.
  func vlog(_ s: @autoclosure () -> String) {
    guard verbose else { return }
    var rest = Substring(s())
    while let nl = rest.firstIndex(of: "\n") {
      current += rest[..<nl]
      lines.append(current)
      if lines.count > 16 { lines.removeFirst(lines.count - 8) }
      current = ""
      rest = rest[rest.index(after: nl)...]
    }
    current += rest
  }

  /// `btf_verifier_log` with a reason.
  func fail(_ text: String, typeID: UInt32 = 0, reason: String? = nil) {
    vlog(text)
    message = reason ?? text
    messageTypeID = typeID
  }

  /// `btf_verifier_log_type` (details) / `btf_verifier_log_basic` (no details).
  func logType(_ t: UInt32, details: Bool = true, _ fmt: String? = nil) {
    guard verbose else { return }
    if mode == .embedded && fmt == nil { return }
    var s = "[\(logTypeID)] \(kindString(t)) \(nameByOffset(nameOff(t)))\(details ? " " : "")"
    if details { s += logDetails(t) }
    if let fmt, !fmt.isEmpty {
      s += " " + fmt
      message = fmt
      messageTypeID = logTypeID
    }
    vlog(s + "\n")
  }

  struct MemberRef {
    var name: UInt32
    var type: UInt32
    var offset: UInt32
  }

  /// `btf_verifier_log_member`.
  func logMember(_ st: UInt32, _ m: MemberRef, _ fmt: String?) {
    guard verbose else { return }
    if mode == .embedded && fmt == nil { return }
    if !checkMetaPhase { logType(st, nil) }
    var s: String
    if kflag(st) {
      s = "\t\(nameByOffset(m.name)) type_id=\(m.type) bitfield_size=\(m.offset >> 24) bits_offset=\(m.offset & 0xff_ffff)"
    } else {
      s = "\t\(nameByOffset(m.name)) type_id=\(m.type) bits_offset=\(m.offset)"
    }
    if let fmt, !fmt.isEmpty {
      s += " " + fmt
      message = fmt
      messageTypeID = logTypeID
    }
    vlog(s + "\n")
  }

  /// `btf_verifier_log_vsi`.
  func logVSI(_ ds: UInt32, _ type: UInt32, _ offset: UInt32, _ size: UInt32, _ fmt: String?) {
    guard verbose else { return }
    if mode == .embedded && fmt == nil { return }
    if !checkMetaPhase { logType(ds, nil) }
    var s = "\t type_id=\(type) offset=\(offset) size=\(size)"
    if let fmt, !fmt.isEmpty {
      s += " " + fmt
      message = fmt
      messageTypeID = logTypeID
    }
    vlog(s + "\n")
  }

  /// The kernel's `btf_kind_str` (the same names as bpftool and `Kind.btfName`).
  func kindString(_ t: UInt32) -> String { kind(t)?.btfName ?? "UNKNOWN" }

  func logDetails(_ t: UInt32) -> String {
    switch kind(t) {
    case .int?:
      return "size=\(sizeType(t)) " + TypeGraph.IntEncoding.logText(word(t, 0))
    case .pointer?, .typedef?, .volatile?, .const?, .restrict?, .function?, .typeTag?: return "type_id=\(sizeType(t))"
    case .array?: return "type_id=\(word(t, 0)) index_type_id=\(word(t, 1)) nr_elems=\(word(t, 2))"
    case .structure?, .union?, .enumeration?, .dataSection?, .enum64?: return "size=\(sizeType(t)) vlen=\(vlen(t))"
    case .forward?: return kflag(t) ? "union" : "struct"
    case .functionProto?:
      var s = "return=\(sizeType(t)) args=("
      let n = vlen(t)
      func arg(_ i: Int) -> (name: UInt32, type: UInt32) { (word(t, 2 * i), word(t, 2 * i + 1)) }
      if n == 0 {
        s += "void"
      } else if n == 1 && arg(0).type == 0 {
        s += "vararg"
      } else {
        s += "\(arg(0).type) \(nameByOffset(arg(0).name))"
        if n > 2 { for i in 1..<(n - 1) { s += ", \(arg(i).type) \(nameByOffset(arg(i).name))" } }
        if n > 1 {
          let last = arg(n - 1)
          s += last.type != 0 ? ", \(last.type) \(nameByOffset(last.name))" : ", vararg"
        }
      }
      return s + ")"
    case .variable?: return "type_id=\(sizeType(t)) linkage=\(word(t, 0))"
    case .float?: return "size=\(sizeType(t))"
    case .declTag?: return "type=\(sizeType(t)) component_idx=\(Int32(bitPattern: word(t, 0)))"
    default: return ""
    }
  }

  // MARK: Raw access

  @inline(__always) func u32(_ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
  }
  @inline(__always) func exists(_ id: UInt32) -> Bool { id < nrTypes }
  @inline(__always) func info(_ t: UInt32) -> UInt32 { t == 0 ? 0 : u32(pos[Int(t)] + 4) }
  /// The raw kind number (bits 24-28 of info), valid or not.
  @inline(__always) func kindNumber(_ t: UInt32) -> UInt32 { (info(t) >> 24) & 0x1f }
  /// The kind, named; nil for void (id 0) and for numbers no BTF kind has.
  @inline(__always) func kind(_ t: UInt32) -> Kind? {
    let k = kindNumber(t)
    return k >= 1 && k <= 19 ? Kind(rawValue: UInt8(k)) : nil
  }
  @inline(__always) func vlen(_ t: UInt32) -> Int { Int(info(t) & 0xffff) }
  @inline(__always) func kflag(_ t: UInt32) -> Bool { info(t) >> 31 != 0 }
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
  func isModifier(_ t: UInt32) -> Bool {
    guard t != 0 else { return false }
    switch kind(t) {
    case .typedef?, .volatile?, .const?, .restrict?, .typeTag?: return true
    default: return false
    }
  }
  func nosize(_ t: UInt32) -> Bool { isVoid(t) || isFwd(t) || isFunc(t) || isFuncProto(t) || isDeclTag(t) }
  func nosizeOrNull(_ t: UInt32) -> Bool { !exists(t) || nosize(t) }
  func hasSize(_ t: UInt32) -> Bool {
    guard t != 0 else { return false }
    switch kind(t) {
    case .int?, .structure?, .union?, .enumeration?, .dataSection?, .float?, .enum64?: return true
    default: return false
    }
  }
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
    let c: UInt8 = 0x20, s: UInt8 = 0x08, p: UInt8 = 0x10, d: UInt8 = 0x04, u: UInt8 = 0x01
    let l: UInt8 = 0x02, x: UInt8 = 0x40, sp: UInt8 = 0x80
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

  /// `btf_name_valid_identifier` (offset already valid).
  func nameValidIdentifier(_ off: UInt32) -> Bool {
    var i = strStart + Int(off)
    guard Self.nameCharOK(b[i], first: true) else { return false }
    let limit = i + Self.ksymNameLen
    i += 1
    while i < b.count && b[i] != 0 && i < limit {
      if !Self.nameCharOK(b[i], first: false) { return false }
      i += 1
    }
    return i < b.count && b[i] == 0
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

  // MARK: Header and sections

  func btfParseHdr() throws(Failure) {
    let size = UInt32(truncatingIfNeeded: b.count)
    if b.count < 8 {
      fail("hdr_len not found")
      throw .inval
    }
    let hl = u32(4)
    if size < hl {
      fail("btf_header not found")
      throw .inval
    }
    if hl > 24 {
      for i in 24..<Int(hl) where b[i] != 0 {
        fail("Unsupported btf_header")
        throw .e2big
      }
    }
    let copy = Int(min(hl, 24))
    func field(_ at: Int) -> UInt32 { at + 4 <= copy ? u32(at) : 0 }
    let magic = copy >= 2 ? UInt32(b[0]) | UInt32(b[1]) << 8 : 0
    let version = copy >= 3 ? b[2] : 0
    let flags = copy >= 4 ? b[3] : 0
    hdrLen = hl
    typeOff = field(8)
    typeLen = field(12)
    strOff = field(16)
    strLen = field(20)
    if mode == .load {
      vlog("magic: 0x\(String(magic, radix: 16))\n")
      vlog("version: \(version)\n")
      vlog("flags: 0x\(String(flags, radix: 16))\n")
      vlog("hdr_len: \(hl)\n")
      vlog("type_off: \(typeOff)\n")
      vlog("type_len: \(typeLen)\n")
      vlog("str_off: \(strOff)\n")
      vlog("str_len: \(strLen)\n")
      vlog("btf_total_size: \(size)\n")
    }
    if magic != 0xEB9F {
      fail("Invalid magic")
      throw .inval
    }
    if version != 1 {
      fail("Unsupported version")
      throw .notsupp
    }
    if flags != 0 {
      fail("Unsupported flags")
      throw .notsupp
    }
    if size == hl {
      fail("No data")
      throw .inval
    }
    try btfCheckSecInfo(size)
  }

  func btfCheckSecInfo(_ size: UInt32) throws(Failure) {
    var secs = [(off: typeOff, len: typeLen), (off: strOff, len: strLen)]
    func cmp(_ x: (off: UInt32, len: UInt32), _ y: (off: UInt32, len: UInt32)) -> Int32 {
      let d = Int32(truncatingIfNeeded: x.off &- y.off)
      return d != 0 ? d : Int32(truncatingIfNeeded: x.len &- y.len)
    }
    if cmp(secs[0], secs[1]) > 0 { secs.swapAt(0, 1) }
    var total: UInt32 = 0
    let expected = size &- hdrLen
    for s in secs {
      if expected < s.off {
        fail("Invalid section offset")
        throw .inval
      }
      if total < s.off {
        fail("Unsupported section found")
        throw .inval
      }
      if total > s.off {
        fail("Section overlap found")
        throw .inval
      }
      if expected &- total < s.len {
        fail("Total section length too long")
        throw .inval
      }
      total &+= s.len
    }
    if expected != total {
      fail("Unsupported section found")
      throw .inval
    }
  }

  func btfParseStrSec() throws(Failure) {
    let start = Int(hdrLen) + Int(strOff)
    let end = start + Int(strLen)
    if end != b.count {
      fail("String section is not at the end")
      throw .inval
    }
    strStart = start
    if strLen == 0 || strLen - 1 > 0x00ff_ffff || b[end - 1] != 0 {
      fail("Invalid string section")
      throw .inval
    }
    if b[start] != 0 {
      fail("Invalid string section")
      throw .inval
    }
  }

  func btfParseTypeSec() throws(Failure) {
    if typeOff & 3 != 0 {
      fail("Unaligned type_off")
      throw .inval
    }
    if typeLen == 0 {
      fail("No type found")
      throw .inval
    }
    try btfCheckAllMetas()
    if mode == .load { try btfCheckAllTypes() }
  }

  // MARK: Meta checks

  func btfCheckAllMetas() throws(Failure) {
    var cur = Int(hdrLen) + Int(typeOff)
    let end = cur + Int(typeLen)
    logTypeID = 1
    while cur < end {
      let size = try btfCheckMeta(at: cur, metaLeft: UInt32(end - cur))
      // btf_add_type: at most BTF_MAX_TYPE slots, void included (`KernelLimits`).
      if let max = limits.maxTypes, nrTypes > max {
        fail("Exceeded max num of types", typeID: logTypeID)
        throw .e2big
      }
      cur += Int(size)
      logTypeID += 1
    }
  }

  func btfCheckMeta(at p: Int, metaLeft total: UInt32) throws(Failure) -> UInt32 {
    let id = logTypeID
    if total < 12 {
      fail("[\(id)] meta_left:\(total) meta_needed:12", typeID: id, reason: "meta_left:\(total) meta_needed:12")
      throw .inval
    }
    let metaLeft = total - 12
    let inf = u32(p + 4)
    if inf & ~0x9f00_ffff != 0 {
      let r = "Invalid btf_info:\(String(inf, radix: 16))"
      fail("[\(id)] \(r)", typeID: id, reason: r)
      throw .inval
    }
    let k = (inf >> 24) & 0x1f
    if k == 0 || Kind(rawValue: UInt8(k))?.isBTF != true {
      let r = "Invalid kind:\(k)"
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

  func checkMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    switch kind(t) {
    case .int?: return try intCheckMeta(t, metaLeft)
    case .pointer?, .typedef?, .volatile?, .const?, .restrict?, .typeTag?: return try refTypeCheckMeta(t)
    case .array?: return try arrayCheckMeta(t, metaLeft)
    case .structure?, .union?: return try structCheckMeta(t, metaLeft)
    case .enumeration?: return try enumCheckMeta(t, metaLeft, entry: Kind.enumeration.wireEntryBytes)
    case .enum64?: return try enumCheckMeta(t, metaLeft, entry: Kind.enum64.wireEntryBytes)
    case .forward?: return try fwdCheckMeta(t)
    case .function?: return try funcCheckMeta(t)
    case .functionProto?: return try funcProtoCheckMeta(t, metaLeft)
    case .variable?: return try varCheckMeta(t, metaLeft)
    case .dataSection?: return try datasecCheckMeta(t, metaLeft)
    case .float?: return try floatCheckMeta(t)
    case .declTag?: return try declTagCheckMeta(t, metaLeft)
    default: throw .inval
    }
  }

  func intCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.int.wireFixedBytes))
    if vlen(t) != 0 { logType(t, "vlen != 0"); throw .inval }
    if kflag(t) { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    let d = word(t, 0)
    if d & ~0x0fff_ffff != 0 {
      logType(t, details: false, "Invalid int_data:\(String(d, radix: 16))")
      throw .inval
    }
    let bits = (d & 0xff) + ((d >> 16) & 0xff)
    if bits > 128 { logType(t, "nr_bits exceeds 128"); throw .inval }
    if (bits >> 3) + (bits & 7 != 0 ? 1 : 0) > sizeType(t) { logType(t, "nr_bits exceeds type_size"); throw .inval }
    let enc = (d >> 24) & 0x0f
    if enc != 0 && enc != 1 && enc != 2 && enc != 4 { logType(t, "Unsupported encoding"); throw .notsupp }
    logType(t)
    return UInt32(Kind.int.wireFixedBytes)
  }

  func refTypeCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    if vlen(t) != 0 { logType(t, "vlen != 0"); throw .inval }
    // A TYPE_TAG may carry kind_flag 1 (an attribute, Linux 6.15+).
    if kflag(t) && kind(t) != .typeTag { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    if sizeType(t) > 0x000f_ffff { logType(t, "Invalid type_id"); throw .inval }
    let no = nameOff(t)
    switch kind(t) {
    case .typedef?:
      if no == 0 || !nameValidIdentifier(no) { logType(t, "Invalid name"); throw .inval }
    case .typeTag?:
      if b[strStart + Int(no)] == 0 { logType(t, "Invalid name"); throw .inval }
    default:
      if no != 0 { logType(t, "Invalid name"); throw .inval }
    }
    logType(t)
    return 0
  }

  func fwdCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    if vlen(t) != 0 { logType(t, "vlen != 0"); throw .inval }
    if sizeType(t) != 0 { logType(t, "type != 0"); throw .inval }
    let no = nameOff(t)
    if no == 0 || !nameValidIdentifier(no) { logType(t, "Invalid name"); throw .inval }
    logType(t)
    return 0
  }

  func arrayCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.array.wireFixedBytes))
    if nameOff(t) != 0 { logType(t, "Invalid name"); throw .inval }
    if vlen(t) != 0 { logType(t, "vlen != 0"); throw .inval }
    if kflag(t) { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    if sizeType(t) != 0 { logType(t, "size != 0"); throw .inval }
    let elem = word(t, 0), index = word(t, 1)
    if elem == 0 || elem > 0x000f_ffff { logType(t, "Invalid elem"); throw .inval }
    if index == 0 || index > 0x000f_ffff { logType(t, "Invalid index"); throw .inval }
    logType(t)
    return UInt32(Kind.array.wireFixedBytes)
  }

  func structCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    let isUnion = kind(t) == .union
    let n = vlen(t)
    let needed = UInt32(n * Kind.structure.wireEntryBytes)
    try metaNeeded(t, metaLeft, needed)
    let no = nameOff(t)
    if no != 0 && !nameValidIdentifier(no) { logType(t, "Invalid name"); throw .inval }
    logType(t)
    var lastOffset: UInt32 = 0
    let structSize = sizeType(t)
    for i in 0..<n {
      let m = member(t, i)
      if !nameOffsetValid(m.name) {
        logMember(t, m, "Invalid member name_offset:\(m.name)")
        throw .inval
      }
      if m.name != 0 && !nameValidIdentifier(m.name) { logMember(t, m, "Invalid name"); throw .inval }
      if m.type == 0 || m.type > 0x000f_ffff { logMember(t, m, "Invalid type_id"); throw .inval }
      let offset = kflag(t) ? m.offset & 0xff_ffff : m.offset
      if isUnion && offset != 0 { logMember(t, m, "Invalid member bits_offset"); throw .inval }
      if lastOffset > offset { logMember(t, m, "Invalid member bits_offset"); throw .inval }
      if (offset >> 3) + (offset & 7 != 0 ? 1 : 0) > structSize {
        logMember(t, m, "Member bits_offset exceeds its struct size")
        throw .inval
      }
      logMember(t, m, nil)
      lastOffset = offset
    }
    return needed
  }

  func enumCheckMeta(_ t: UInt32, _ metaLeft: UInt32, entry: Int) throws(Failure) -> UInt32 {
    let n = vlen(t)
    let needed = UInt32(n * entry)
    try metaNeeded(t, metaLeft, needed)
    let size = sizeType(t)
    if size > 8 || size == 0 || size & (size - 1) != 0 { logType(t, "Unexpected size"); throw .inval }
    let no = nameOff(t)
    if no != 0 && !nameValidIdentifier(no) { logType(t, "Invalid name"); throw .inval }
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
      if en == 0 || !nameValidIdentifier(en) { logType(t, "Invalid name"); throw .inval }
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

  func funcProtoCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    let needed = UInt32(vlen(t) * Kind.functionProto.wireEntryBytes)
    try metaNeeded(t, metaLeft, needed)
    if nameOff(t) != 0 { logType(t, "Invalid name"); throw .inval }
    if kflag(t) { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    logType(t)
    return needed
  }

  func funcCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    let no = nameOff(t)
    if no == 0 || !nameValidIdentifier(no) { logType(t, "Invalid name"); throw .inval }
    if vlen(t) > 1 { logType(t, "Invalid func linkage"); throw .inval }
    if kflag(t) { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    logType(t)
    return 0
  }

  func varCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.variable.wireFixedBytes))
    if vlen(t) != 0 { logType(t, "vlen != 0"); throw .inval }
    if kflag(t) { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    let no = nameOff(t)
    if no == 0 || !nameValidIdentifier(no) { logType(t, "Invalid name"); throw .inval }
    let type = sizeType(t)
    if type == 0 || type > 0x000f_ffff { logType(t, "Invalid type_id"); throw .inval }
    let linkage = word(t, 0)
    if linkage != 0 && linkage != 1 { logType(t, "Linkage not supported"); throw .inval }
    logType(t)
    return UInt32(Kind.variable.wireFixedBytes)
  }

  func datasecCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    let n = vlen(t)
    let needed = UInt32(n * Kind.dataSection.wireEntryBytes)
    try metaNeeded(t, metaLeft, needed)
    let size = sizeType(t)
    if size == 0 { logType(t, "size == 0"); throw .inval }
    if kflag(t) { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    let no = nameOff(t)
    if no == 0 || !nameValidSection(no) { logType(t, "Invalid name"); throw .inval }
    logType(t)
    var lastEnd: UInt64 = 0, sum: UInt64 = 0
    for i in 0..<n {
      let type = word(t, 3 * i), off = word(t, 3 * i + 1), sz = word(t, 3 * i + 2)
      if type == 0 || type > 0x000f_ffff { logVSI(t, type, off, sz, "Invalid type_id"); throw .inval }
      if UInt64(off) < lastEnd || off >= size { logVSI(t, type, off, sz, "Invalid offset"); throw .inval }
      if sz == 0 || sz > size { logVSI(t, type, off, sz, "Invalid size"); throw .inval }
      lastEnd = UInt64(off) + UInt64(sz)
      if lastEnd > UInt64(size) { logVSI(t, type, off, sz, "Invalid offset+size"); throw .inval }
      logVSI(t, type, off, sz, nil)
      sum += UInt64(sz)
    }
    if UInt64(size) < sum { logType(t, "Invalid btf_info size"); throw .inval }
    return needed
  }

  func floatCheckMeta(_ t: UInt32) throws(Failure) -> UInt32 {
    if vlen(t) != 0 { logType(t, "vlen != 0"); throw .inval }
    if kflag(t) { logType(t, "Invalid btf_info kind_flag"); throw .inval }
    let s = sizeType(t)
    if s != 2 && s != 4 && s != 8 && s != 12 && s != 16 { logType(t, "Invalid type_size"); throw .inval }
    logType(t)
    return 0
  }

  func declTagCheckMeta(_ t: UInt32, _ metaLeft: UInt32) throws(Failure) -> UInt32 {
    try metaNeeded(t, metaLeft, UInt32(Kind.declTag.wireFixedBytes))
    if b[strStart + Int(nameOff(t))] == 0 { logType(t, "Invalid value"); throw .inval }
    if vlen(t) != 0 { logType(t, "vlen != 0"); throw .inval }
    // kind_flag 1 marks an attribute (btf_decl_tag("...") as __attribute__, Linux 6.15+).
    let comp = Int32(bitPattern: word(t, 0))
    if comp < -1 { logType(t, "Invalid component_idx"); throw .inval }
    logType(t)
    return UInt32(Kind.declTag.wireFixedBytes)
  }

  // MARK: Resolve pass

  func btfCheckAllTypes() throws(Failure) {
    let n = Int(nrTypes)
    visit = [UInt8](repeating: Self.notVisited, count: n)
    resolvedIDs = [UInt32](repeating: 0, count: n)
    resolvedSizes = [UInt32](repeating: 0, count: n)
    checkMetaPhase = false
    for i in 1..<UInt32(n) {
      logTypeID = i
      if needsResolve(i) && !isResolved(i) { try btfResolve(i) }
      if isFuncProto(i) { try btfFuncProtoCheck(i) }
    }
  }

  func isResolved(_ id: UInt32) -> Bool { Int(id) < visit.count && visit[Int(id)] == Self.resolved }

  func isResolveSink(_ next: UInt32) -> Bool {
    switch resolveMode {
    case .tbd: return !needsResolve(next)
    case .ptr: return !isModifier(next) && !isPtr(next)
    case .structOrArray: return !isModifier(next) && !isArray(next) && !isStruct(next)
    }
  }

  func stackPush(_ id: UInt32) throws(Failure) {
    if stack.count == 32 { throw .e2big }
    if visit[Int(id)] != Self.notVisited { throw .eexist }
    visit[Int(id)] = Self.visited
    stack.append((id, 0))
    if resolveMode == .tbd {
      if isPtr(id) {
        resolveMode = .ptr
      } else if isStruct(id) || isArray(id) {
        resolveMode = .structOrArray
      }
    }
  }

  func stackPopResolved(_ resolvedID: UInt32, _ size: UInt32) {
    let id = Int(stack.removeLast().id)
    resolvedSizes[id] = size
    resolvedIDs[id] = resolvedID
    visit[id] = Self.resolved
  }

  /// `btf_type_id_size`: the sized type `id` stands for and its size, or nil.
  func typeIDSize(_ id: UInt32) -> (id: UInt32, size: UInt32)? {
    guard exists(id), !nosize(id) else { return nil }
    if hasSize(id) { return (id, sizeType(id)) }
    if isArray(id) { return (id, resolvedSizes[Int(id)]) }
    if isPtr(id) { return (id, 8) }
    guard isModifier(id) || isVar(id) else { return nil }
    let r = resolvedIDs[Int(id)]
    guard exists(r), !nosize(r) else { return nil }
    if hasSize(r) { return (r, sizeType(r)) }
    if isArray(r) { return (r, resolvedSizes[Int(r)]) }
    if isPtr(r) { return (r, 8) }
    return nil
  }

  func btfResolve(_ t: UInt32) throws(Failure) {
    let saved = logTypeID
    resolveMode = .tbd
    try? stackPush(t)
    var err: Failure? = nil
    while err == nil, let top = stack.last {
      logTypeID = top.id
      do { try resolveOne(top.id, next: top.next) } catch { err = error }
    }
    logTypeID = t
    if err == .e2big {
      logType(t, "Exceeded max resolving depth:32")
    } else if err == .eexist {
      logType(t, "Loop detected")
    }
    if err == nil && !btfResolveValid(t) {
      logType(t, "Invalid resolve state")
      err = .inval
    }
    logTypeID = saved
    if let err { throw err }
  }

  func resolveOne(_ t: UInt32, next: Int) throws(Failure) {
    switch kind(t) {
    case .typedef?, .volatile?, .const?, .restrict?, .typeTag?: try modifierResolve(t)
    case .pointer?: try ptrResolve(t)
    case .array?: try arrayResolve(t)
    case .structure?, .union?: try structResolve(t, next)
    case .variable?: try varResolve(t)
    case .dataSection?: try datasecResolve(t, next)
    case .function?:
      try btfFuncCheck(t)
      stackPopResolved(sizeType(t), 0)
    case .declTag?: try declTagResolve(t)
    default:
      logType(t, details: false, "Unsupported resolve")
      throw .inval
    }
  }

  func modifierResolve(_ t: UInt32) throws(Failure) {
    var next = sizeType(t)
    if !exists(next) || resolveSourceOnly(next) { logType(t, "Invalid type_id"); throw .inval }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    if let r = typeIDSize(next) {
      next = r.id
    } else {
      if isResolved(next) { next = resolvedIDs[Int(next)] }
      if !isVoid(next) && !isFwd(next) && !isFuncProto(next) { logType(t, "Invalid type_id"); throw .inval }
    }
    stackPopResolved(next, 0)
  }

  func ptrResolve(_ t: UInt32) throws(Failure) {
    var next = sizeType(t)
    if !exists(next) || resolveSourceOnly(next) { logType(t, "Invalid type_id"); throw .inval }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    if isModifier(next) {
      let r = resolvedIDs[Int(next)]
      if isPtr(r) && !isResolveSink(r) && !isResolved(r) { return try stackPush(r) }
    }
    if let r = typeIDSize(next) {
      next = r.id
    } else {
      if isResolved(next) { next = resolvedIDs[Int(next)] }
      if !isVoid(next) && !isFwd(next) && !isFuncProto(next) { logType(t, "Invalid type_id"); throw .inval }
    }
    stackPopResolved(next, 0)
  }

  func varResolve(_ t: UInt32) throws(Failure) {
    let next = sizeType(t)
    if !exists(next) || resolveSourceOnly(next) { logType(t, "Invalid type_id"); throw .inval }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    if isModifier(next) {
      let r = resolvedIDs[Int(next)]
      if isPtr(r) && !isResolveSink(r) && !isResolved(r) { return try stackPush(r) }
    }
    guard let r = typeIDSize(next) else { logType(t, "Invalid type_id"); throw .inval }
    stackPopResolved(r.id, 0)
  }

  func arrayResolve(_ t: UInt32) throws(Failure) {
    let index = word(t, 1)
    if nosizeOrNull(index) || resolveSourceOnly(index) { logType(t, "Invalid index"); throw .inval }
    if !isResolveSink(index) && !isResolved(index) { return try stackPush(index) }
    guard let ri = typeIDSize(index), isInt(ri.id), intIsRegular(ri.id) else {
      logType(t, "Invalid index")
      throw .inval
    }
    let elem = word(t, 0)
    if nosizeOrNull(elem) || resolveSourceOnly(elem) { logType(t, "Invalid elem"); throw .inval }
    if !isResolveSink(elem) && !isResolved(elem) { return try stackPush(elem) }
    guard let re = typeIDSize(elem) else { logType(t, "Invalid elem"); throw .inval }
    if isInt(re.id) && !intIsRegular(re.id) { logType(t, "Invalid array of int"); throw .inval }
    let nelems = word(t, 2)
    if nelems != 0 && re.size > UInt32.max / nelems { logType(t, "Array size overflows U32_MAX"); throw .inval }
    stackPopResolved(re.id, re.size &* nelems)
  }

  func structResolve(_ t: UInt32, _ next: Int) throws(Failure) {
    if next > 0 {
      let last = member(t, next - 1)
      guard isResolved(last.type) else { throw .inval }
      try checkMember(t, last, last.type)
    }
    for i in next..<vlen(t) {
      let m = member(t, i)
      if nosizeOrNull(m.type) || resolveSourceOnly(m.type) { logMember(t, m, "Invalid member"); throw .inval }
      if !isResolveSink(m.type) && !isResolved(m.type) {
        stack[stack.count - 1].next = i + 1
        return try stackPush(m.type)
      }
      try checkMember(t, m, m.type)
    }
    stackPopResolved(0, 0)
  }

  func datasecResolve(_ t: UInt32, _ next: Int) throws(Failure) {
    resolveMode = .tbd
    for i in next..<vlen(t) {
      let vt = word(t, 3 * i), off = word(t, 3 * i + 1), sz = word(t, 3 * i + 2)
      if !exists(vt) || !isVar(vt) { logVSI(t, vt, off, sz, "Not a VAR kind member"); throw .inval }
      if !isResolveSink(vt) && !isResolved(vt) {
        stack[stack.count - 1].next = i + 1
        return try stackPush(vt)
      }
      guard let r = typeIDSize(sizeType(vt)) else { logVSI(t, vt, off, sz, "Invalid type"); throw .inval }
      if sz < r.size { logVSI(t, vt, off, sz, "Invalid size"); throw .inval }
    }
    stackPopResolved(0, 0)
  }

  func declTagResolve(_ t: UInt32) throws(Failure) {
    var next = sizeType(t)
    if !exists(next) || !isDeclTagTarget(next) { logType(t, "Invalid type_id"); throw .inval }
    if !isResolveSink(next) && !isResolved(next) { return try stackPush(next) }
    let target = next
    let comp = Int32(bitPattern: word(t, 0))
    if comp != -1 {
      if isVar(next) || isTypedef(next) { logType(t, "Invalid component_idx"); throw .inval }
      let n: Int
      if isStruct(next) {
        n = vlen(next)
      } else {
        next = sizeType(next)
        n = exists(next) ? vlen(next) : 0
      }
      if UInt32(bitPattern: comp) >= UInt32(n) { logType(t, "Invalid component_idx"); throw .inval }
    }
    stackPopResolved(target, 0)
  }

  func btfFuncCheck(_ t: UInt32) throws(Failure) {
    let proto = sizeType(t)
    if !exists(proto) || !isFuncProto(proto) { logType(t, "Invalid type_id"); throw .inval }
    for i in 0..<vlen(proto) {
      let name = word(proto, 2 * i), type = word(proto, 2 * i + 1)
      if name == 0 && type != 0 { logType(t, "Invalid arg#\(i + 1)"); throw .inval }
    }
  }

  func btfFuncProtoCheck(_ t: UInt32) throws(Failure) {
    let ret = sizeType(t)
    if ret != 0 {
      if !exists(ret) { logType(t, "Invalid return type"); throw .inval }
      if resolveSourceOnly(ret) { logType(t, "Invalid return type"); throw .inval }
      if needsResolve(ret) && !isResolved(ret) { try btfResolve(ret) }
      if typeIDSize(ret) == nil { logType(t, "Invalid return type"); throw .inval }
    }
    var n = vlen(t)
    if n == 0 { return }
    if word(t, 2 * (n - 1) + 1) == 0 {
      if word(t, 2 * (n - 1)) != 0 { logType(t, "Invalid arg#\(n)"); throw .inval }
      n -= 1
    }
    for i in 0..<n {
      let name = word(t, 2 * i), at = word(t, 2 * i + 1)
      if !exists(at) { logType(t, "Invalid arg#\(i + 1)"); throw .inval }
      if resolveSourceOnly(at) { logType(t, "Invalid arg#\(i + 1)"); throw .inval }
      if name != 0 && (!nameOffsetValid(name) || !nameValidIdentifier(name)) {
        logType(t, "Invalid arg#\(i + 1)")
        throw .inval
      }
      if needsResolve(at) && !isResolved(at) { try btfResolve(at) }
      if typeIDSize(at) == nil { logType(t, "Invalid arg#\(i + 1)"); throw .inval }
    }
  }

  func btfResolveValid(_ t: UInt32) -> Bool {
    guard isResolved(t) else { return false }
    let i = Int(t)
    if isStruct(t) || isDatasec(t) { return resolvedIDs[i] == 0 && resolvedSizes[i] == 0 }
    if isDeclTag(t) || isFunc(t) { return resolvedIDs[i] != 0 && resolvedSizes[i] == 0 }
    if isModifier(t) || isPtr(t) || isVar(t) {
      let r = resolvedIDs[i]
      return exists(r) && !isModifier(r) && !isVar(r) && !isDatasec(r)
    }
    if isArray(t) {
      guard let e = typeIDSize(word(t, 0)) else { return false }
      return !isModifier(e.id) && word(t, 2) &* e.size == resolvedSizes[i]
    }
    return false
  }

  // MARK: Member checks (`check_member` / `check_kflag_member` of the member's kind)

  func checkMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    if kflag(st) {
      try checkKflagMember(st, m, mt)
    } else {
      try checkPlainMember(st, m, mt)
    }
  }

  func bytesUp(_ bits: UInt32) -> UInt32 { (bits >> 3) + (bits & 7 != 0 ? 1 : 0) }

  func checkPlainMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    switch kind(mt) {
    case .int?:  // btf_int_check_member
      let d = word(mt, 0)
      var off = m.offset
      let intOff = (d >> 16) & 0xff
      if UInt32.max - off < intOff { logMember(st, m, "bits_offset exceeds U32_MAX"); throw .inval }
      off += intOff
      let bytesOffset = off >> 3
      let copyBits = (d & 0xff) + (off & 7)
      if copyBits > 128 { logMember(st, m, "nr_copy_bits exceeds 128"); throw .inval }
      if structSize < bytesOffset || structSize - bytesOffset < bytesUp(copyBits) {
        logMember(st, m, "Member exceeds struct_size")
        throw .inval
      }
    case .pointer?:  // btf_ptr_check_member
      if m.offset & 7 != 0 { logMember(st, m, "Member is not byte aligned"); throw .inval }
      if structSize &- (m.offset >> 3) < 8 { logMember(st, m, "Member exceeds struct_size"); throw .inval }
    case .array?:  // btf_array_check_member
      if m.offset & 7 != 0 { logMember(st, m, "Member is not byte aligned"); throw .inval }
      let size = typeIDSize(m.type)?.size ?? 0
      if structSize &- (m.offset >> 3) < size { logMember(st, m, "Member exceeds struct_size"); throw .inval }
    case .structure?, .union?, .enumeration?, .enum64?:  // btf_struct_check_member, btf_enum_check_member
      if m.offset & 7 != 0 { logMember(st, m, "Member is not byte aligned"); throw .inval }
      if structSize &- (m.offset >> 3) < sizeType(mt) { logMember(st, m, "Member exceeds struct_size"); throw .inval }
    case .typedef?, .volatile?, .const?, .restrict?, .typeTag?:  // btf_modifier_check_member
      guard let r = typeIDSize(m.type) else { logMember(st, m, "Invalid member"); throw .inval }
      var rm = m
      rm.type = r.id
      try checkPlainMember(st, rm, r.id)
    case .float?:  // btf_float_check_member
      let alignBits = UInt64(min(8, sizeType(mt))) * 8
      if alignBits == 0 || UInt64(m.offset) % alignBits != 0 {
        logMember(st, m, "Member is not properly aligned")
        throw .inval
      }
      if UInt64(m.offset / 8) + UInt64(sizeType(mt)) > UInt64(structSize) {
        logMember(st, m, "Member exceeds struct_size")
        throw .inval
      }
    default:
      logType(st, details: false, "Unsupported check_member")
      throw .inval
    }
  }

  func checkKflagMember(_ st: UInt32, _ m: MemberRef, _ mt: UInt32) throws(Failure) {
    let structSize = sizeType(st)
    let bitfield = m.offset >> 24
    let bitOff = m.offset & 0xff_ffff
    switch kind(mt) {
    case .int?:  // btf_int_check_kflag_member
      if !intIsRegular(mt) { logMember(st, m, "Invalid member base type"); throw .inval }
      var nrBits = bitfield
      let intBits = word(mt, 0) & 0xff
      if nrBits == 0 {
        if bitOff & 7 != 0 { logMember(st, m, "Invalid member offset"); throw .inval }
        nrBits = intBits
      } else if nrBits > intBits {
        logMember(st, m, "Invalid member bitfield_size")
        throw .inval
      }
      let bytesOffset = bitOff >> 3
      let copyBits = nrBits + (bitOff & 7)
      if copyBits > 128 { logMember(st, m, "nr_copy_bits exceeds 128"); throw .inval }
      if structSize < bytesOffset || structSize - bytesOffset < bytesUp(copyBits) {
        logMember(st, m, "Member exceeds struct_size")
        throw .inval
      }
    case .pointer?, .array?, .structure?, .union?, .float?:  // btf_generic_check_kflag_member
      if bitfield != 0 { logMember(st, m, "Invalid member bitfield_size"); throw .inval }
      try checkPlainMember(st, m, mt)
    case .enumeration?, .enum64?:  // btf_enum_check_kflag_member
      var nrBits = bitfield
      if nrBits == 0 {
        if bitOff & 7 != 0 { logMember(st, m, "Member is not byte aligned"); throw .inval }
        nrBits = 32
      } else if nrBits > 32 {
        logMember(st, m, "Invalid member bitfield_size")
        throw .inval
      }
      if structSize < bytesUp(bitOff &+ nrBits) { logMember(st, m, "Member exceeds struct_size"); throw .inval }
    case .typedef?, .volatile?, .const?, .restrict?, .typeTag?:
      guard let r = typeIDSize(m.type) else { logMember(st, m, "Invalid member"); throw .inval }
      var rm = m
      rm.type = r.id
      try checkKflagMember(st, rm, r.id)
    default:
      logType(st, details: false, "Unsupported check_kflag_member")
      throw .inval
    }
  }

  // MARK: Type tags

  func btfCheckTypeTags() throws(Failure) {
    var good: UInt32 = 0
    var i: UInt32 = 1
    while i < nrTypes {
      defer { i += 1 }
      if !isModifier(i) { continue }
      var limit = 32
      var cur = i
      var inTags = isTypeTag(i)
      while isModifier(cur) {
        if limit == 0 {
          fail("Max chain length or cycle detected")
          throw .loop
        }
        limit -= 1
        if isTypeTag(cur) {
          if !inTags {
            fail("Type tags don't precede modifiers")
            throw .inval
          }
        } else if inTags {
          inTags = false
        }
        if cur <= good { break }
        cur = sizeType(cur)
        if !exists(cur) {
          message = "EINVAL without a log line (a modifier chain reaches missing type \(cur))"
          throw .inval
        }
      }
      good = i
    }
  }
}
