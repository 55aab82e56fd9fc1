import Encode
import TypeGraph

/// The verifier log: `btf_verifier_log`, `btf_verifier_log_type`/`_member`/`_vsi`, and each kind's `log_details`.
extension KernelChecker {
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

  /// `btf_type_ops(t)->log_details`.
  func logDetails(_ t: UInt32) -> String { kindOps(t)?.logDetails(self, t) ?? "" }

  func btfIntLog(_ t: UInt32) -> String { "size=\(sizeType(t)) " + TypeGraph.IntEncoding.logText(word(t, 0)) }
  func btfRefTypeLog(_ t: UInt32) -> String { "type_id=\(sizeType(t))" }
  func btfArrayLog(_ t: UInt32) -> String { "type_id=\(word(t, 0)) index_type_id=\(word(t, 1)) nr_elems=\(word(t, 2))" }
  /// `btf_struct_log`, `btf_enum_log`, `btf_enum64_log`, `btf_datasec_log`: the same text.
  func btfStructLog(_ t: UInt32) -> String { "size=\(sizeType(t)) vlen=\(vlen(t))" }
  func btfFwdTypeLog(_ t: UInt32) -> String { kflag(t) ? "union" : "struct" }
  func btfFuncProtoLog(_ t: UInt32) -> String {
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
  }
  func btfVarLog(_ t: UInt32) -> String { "type_id=\(sizeType(t)) linkage=\(word(t, 0))" }
  func btfFloatLog(_ t: UInt32) -> String { "size=\(sizeType(t))" }
  func btfDeclTagLog(_ t: UInt32) -> String { "type=\(sizeType(t)) component_idx=\(Int32(bitPattern: word(t, 0)))" }
}
