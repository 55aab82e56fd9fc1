import Encode
import TypeGraph

/// `btf_parse`'s first steps: `btf_parse_hdr`, `btf_parse_str_sec`, the type section's bounds.
extension KernelChecker {
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
    // sizeof(struct btf_header): 24 bytes, 32 from Linux 7.1 (the layout fields).
    let known: UInt32 = limits.kindLayout ? 32 : 24
    if hl > known {
      for i in Int(known)..<Int(hl) where b[i] != 0 {
        fail("Unsupported btf_header")
        throw .e2big
      }
    }
    let copy = Int(min(hl, known))
    func field(_ at: Int) -> UInt32 { at + 4 <= copy ? u32(at) : 0 }
    let magic = copy >= 2 ? UInt32(b[0]) | UInt32(b[1]) << 8 : 0
    let version = copy >= 3 ? b[2] : 0
    let flags = copy >= 4 ? b[3] : 0
    hdrLen = hl
    typeOff = field(8)
    typeLen = field(12)
    strOff = field(16)
    strLen = field(20)
    layoutOff = field(24)
    layoutLen = field(28)
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
    // 7.1: the layout section is a third, when the header has it and it is not empty.
    if hasLayoutSection { secs.append((off: layoutOff, len: layoutLen)) }
    func cmp(_ x: (off: UInt32, len: UInt32), _ y: (off: UInt32, len: UInt32)) -> Int32 {
      let d = Int32(truncatingIfNeeded: x.off &- y.off)
      return d != 0 ? d : Int32(truncatingIfNeeded: x.len &- y.len)
    }
    secs.sort { cmp($0, $1) < 0 }
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
    // 7.1 lets another section follow the strings when the header has the layout fields.
    if (!limits.kindLayout || hdrLen < 32) && end != b.count {
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

  /// A header with the layout fields (Linux 7.1) and a non-empty layout section.
  var hasLayoutSection: Bool { limits.kindLayout && hdrLen >= 32 && layoutLen != 0 }

  /// 7.1's `btf_parse_layout_sec`: the section's bounds and alignment (its entries are only
  /// read for kinds the kernel does not know, and every kind rustbtf writes it knows).
  func btfParseLayoutSec() throws(Failure) {
    guard hasLayoutSection else { return }
    if layoutOff & 3 != 0 {
      fail("Unaligned layout_off")
      throw .inval
    }
    if layoutLen < 4 {
      fail("Layout section is too small")
      throw .inval
    }
    if layoutLen % 4 != 0 {
      fail("layout_len is not multiple of 4")
      throw .inval
    }
    if Int(hdrLen) + Int(layoutOff) + Int(layoutLen) > b.count {
      fail("Layout section is too big")
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

  /// `btf_parse_module`'s checks of a module's own blob before its types: `btf_parse_hdr` as
  /// for any blob, then `btf_parse_str_sec` and the type section's alignment as they are with
  /// a base (vmlinux's): an empty string or type section is allowed, and the strings need not
  /// start with a NUL (the base's do). The checks of a split blob's records are those of the
  /// blob base + split (`SplitBTF.concatenate`), where its ids and offsets mean what they mean
  /// to the kernel.
  func btfParseSplitHdr() throws(Failure) {
    try btfParseHdr()
    let start = Int(hdrLen) + Int(strOff)
    let end = start + Int(strLen)
    if end != b.count {
      fail("String section is not at the end")
      throw .inval
    }
    if strLen != 0 && (strLen - 1 > 0x00ff_ffff || b[end - 1] != 0) {
      fail("Invalid string section")
      throw .inval
    }
    if typeOff & 3 != 0 {
      fail("Unaligned type_off")
      throw .inval
    }
  }
}
