internal import CDwarf

/// Plain-read checks of an input file before libelf/libdw see it, so that common mistakes (not
/// an ELF file, a truncated copy, a file without DWARF) are reported as one clear line instead
/// of a libdw error code. Reads only; the file is opened read-only.
struct ELFFileCheck {
  /// The file's byte order is big-endian.
  var bigEndian = false
  /// Some `.debug_*` section is zstd-compressed (`SHF_COMPRESSED` with `ELFCOMPRESS_ZSTD`).
  var hasZstdDebugSections = false
  var elfType: UInt16 = 0

  /// Validates `path` and returns what was learned; throws a one-line `ImportError` otherwise.
  static func check(path: String) throws(ImportError) -> ELFFileCheck {
    let fd = rb_open_readonly(path)
    if fd < 0 { throw ImportError("\(path): cannot open: \(errorText(-fd))") }
    defer { rb_close(fd) }
    let size = rb_file_size(fd)
    if size < 0 { throw ImportError("\(path): cannot open: \(errorText(Int32(clamping: -size)))") }
    let fileSize = UInt64(clamping: size)
    if fileSize == 0 { throw ImportError("\(path): not an ELF file (empty file)") }

    var ident = [UInt8](repeating: 0, count: 64)
    let got = readFully(fd, &ident, offset: 0)
    if got < 0 { throw ImportError("\(path): cannot read: \(errorText(Int32(clamping: -got)))") }
    if got < 4 || ident[0] != 0x7f || ident[1] != 0x45 || ident[2] != 0x4c || ident[3] != 0x46 {
      if got >= 7 && ident[0..<7].elementsEqual("!<arch>".utf8) {
        throw ImportError("\(path): not an ELF file (an ar archive; extract its members first)")
      }
      throw ImportError("\(path): not an ELF file")
    }
    if got < 16 { throw ImportError("\(path): truncated ELF file (ELF header incomplete)") }
    let is64: Bool
    switch ident[4] {
    case 1: is64 = false
    case 2: is64 = true
    default: throw ImportError("\(path): not a valid ELF file (unknown ELF class \(ident[4]))")
    }
    var result = ELFFileCheck()
    switch ident[5] {
    case 1: result.bigEndian = false
    case 2: result.bigEndian = true
    default: throw ImportError("\(path): not a valid ELF file (unknown byte order \(ident[5]))")
    }
    let ehSize = is64 ? 64 : 52
    if got < ehSize { throw ImportError("\(path): truncated ELF file (ELF header incomplete)") }
    let r = Reader(bytes: ident, bigEndian: result.bigEndian)
    result.elfType = r.u16(16)
    let shoff: UInt64 = is64 ? r.u64(0x28) : UInt64(r.u32(0x20))
    let shentsize = UInt64(r.u16(is64 ? 0x3a : 0x2e))
    var shnum = UInt64(r.u16(is64 ? 0x3c : 0x30))
    var shstrndx = UInt64(r.u16(is64 ? 0x3e : 0x32))
    if shoff == 0 {
      throw ImportError("\(path): no DWARF debug information (no section headers)")
    }
    let minEnt: UInt64 = is64 ? 64 : 40
    if shentsize < minEnt {
      throw ImportError("\(path): not a valid ELF file (section header size \(shentsize))")
    }
    if shoff >= fileSize || fileSize - shoff < shentsize {
      throw ImportError("\(path): truncated ELF file (section headers extend past end of file)")
    }
    // Section 0 holds the real count / string index when they overflow the ELF header fields.
    var sh0 = [UInt8](repeating: 0, count: Int(minEnt))
    if readFully(fd, &sh0, offset: shoff) < Int(minEnt) {
      throw ImportError("\(path): truncated ELF file (section headers extend past end of file)")
    }
    let s0 = Reader(bytes: sh0, bigEndian: result.bigEndian)
    if shnum == 0 { shnum = is64 ? s0.u64(0x20) : UInt64(s0.u32(0x14)) }
    if shstrndx == 0xffff { shstrndx = UInt64(s0.u32(is64 ? 0x28 : 0x18)) }
    let (tableSize, overflow) = shnum.multipliedReportingOverflow(by: shentsize)
    if overflow || tableSize > fileSize - shoff {
      throw ImportError("\(path): truncated ELF file (section headers extend past end of file)")
    }
    if tableSize > 1 << 31 {
      throw ImportError("\(path): not a valid ELF file (\(shnum) sections)")
    }
    var table = [UInt8](repeating: 0, count: Int(tableSize))
    if readFully(fd, &table, offset: shoff) < Int(tableSize) {
      throw ImportError("\(path): truncated ELF file (section headers extend past end of file)")
    }
    let t = Reader(bytes: table, bigEndian: result.bigEndian)

    struct Section {
      var name: UInt32, type: UInt32, flags: UInt64, offset: UInt64, size: UInt64
    }
    func section(_ i: Int) -> Section {
      let b = i * Int(shentsize)
      if is64 {
        return Section(
          name: t.u32(b), type: t.u32(b + 4), flags: t.u64(b + 8), offset: t.u64(b + 0x18),
          size: t.u64(b + 0x20))
      }
      return Section(
        name: t.u32(b), type: t.u32(b + 4), flags: UInt64(t.u32(b + 8)), offset: UInt64(t.u32(b + 0x10)),
        size: UInt64(t.u32(b + 0x14)))
    }
    let count = Int(shnum)
    guard shstrndx < shnum else {
      throw ImportError("\(path): not a valid ELF file (section name table index \(shstrndx) out of range)")
    }
    let strSec = section(Int(shstrndx))
    if strSec.offset > fileSize || strSec.size > fileSize - strSec.offset {
      throw ImportError("\(path): truncated ELF file (section name table extends past end of file)")
    }
    var names = [UInt8](repeating: 0, count: Int(min(strSec.size, 1 << 30)))
    if !names.isEmpty && readFully(fd, &names, offset: strSec.offset) < names.count {
      throw ImportError("\(path): truncated ELF file (section name table extends past end of file)")
    }
    func name(of s: Section) -> String {
      let start = Int(s.name)
      guard start < names.count else { return "?" }
      var end = start
      while end < names.count && names[end] != 0 { end += 1 }
      // Printable ASCII only, at most 64 bytes: the name goes into a one-line message.
      let bytes = names[start..<min(end, start + 64)].map { $0 >= 0x20 && $0 < 0x7f ? $0 : UInt8(ascii: "?") }
      return String(decoding: bytes, as: UTF8.self) + (end - start > 64 ? "..." : "")
    }

    var hasDebugInfo = false
    var hasAltLink = false
    let shtNobits: UInt32 = 8
    let shfCompressed: UInt64 = 0x800
    for i in 1..<max(count, 1) {
      let s = section(i)
      var n = name(of: s)
      if n.isEmpty { n = "#\(i)" }
      if s.type != shtNobits && s.size > 0 {
        if s.offset > fileSize || s.size > fileSize - s.offset {
          throw ImportError("\(path): truncated ELF file (section \(n) extends past end of file)")
        }
      }
      if n == ".gnu_debugaltlink" { hasAltLink = true }
      let isDebug = n.hasPrefix(".debug_") || n.hasPrefix(".zdebug_")
      if n == ".debug_info" || n == ".zdebug_info" {
        if s.type == shtNobits {
          throw ImportError(
            "\(path): no DWARF debug information (.debug_info is NOBITS: the debug info was split off)")
        }
        hasDebugInfo = true
      }
      if isDebug && (s.flags & shfCompressed) != 0 && s.type != shtNobits && s.size >= 4 {
        var ch = [UInt8](repeating: 0, count: 4)
        if readFully(fd, &ch, offset: s.offset) == 4 {
          let chType = Reader(bytes: ch, bigEndian: result.bigEndian).u32(0)
          if chType == 2 { result.hasZstdDebugSections = true }
        }
      }
    }
    if !hasDebugInfo {
      throw ImportError("\(path): no DWARF debug information (.debug_info missing)")
    }
    if hasAltLink {
      // dwz moved types shared by several files into a supplementary file, referred to by
      // DW_FORM_GNU_ref_alt/GNU_strp_alt; the importer reads one file's offset space only.
      // (A stripped binary also has .gnu_debugaltlink, pointing at its debug file, but no
      // .debug_info: that is "no DWARF" above.)
      throw ImportError(
        "\(path): DWARF compressed by dwz (.gnu_debugaltlink: types live in a supplementary file), which rustbtf does not read yet; convert the file from before dwz")
    }
    // The BTF rustbtf writes is little-endian with 8-byte pointers (x86-64, arm64, riscv64…):
    // another target would get BTF that misdescribes its pointers or byte order.
    if result.bigEndian {
      throw ImportError("\(path): a big-endian ELF file (s390x, ppc64…): rustbtf writes BTF for little-endian 64-bit targets only")
    }
    if !is64 {
      throw ImportError("\(path): a 32-bit ELF file: rustbtf writes BTF for 64-bit targets only (8-byte pointers)")
    }
    return result
  }

  /// pread until `buffer` is full or EOF; returns the bytes read, or -errno.
  private static func readFully(_ fd: Int32, _ buffer: inout [UInt8], offset: UInt64) -> Int {
    let count = buffer.count
    return buffer.withUnsafeMutableBytes { raw in
      Int(rb_pread_full(fd, raw.baseAddress, count, offset))
    }
  }

  private static func errorText(_ err: Int32) -> String {
    guard let m = rb_strerror(err) else { return "error \(err)" }
    return DWARFImporter.oneLine(String(cString: m))
  }

  /// Bounds-checked little/big-endian reads (out of range reads give 0).
  private struct Reader {
    let bytes: [UInt8]
    let bigEndian: Bool
    func u(_ at: Int, _ width: Int) -> UInt64 {
      guard at >= 0, at + width <= bytes.count else { return 0 }
      var v: UInt64 = 0
      for i in 0..<width {
        let b = UInt64(bytes[at + (bigEndian ? i : width - 1 - i)])
        v = (v << 8) | b
      }
      return v
    }
    func u16(_ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: u(at, 2)) }
    func u32(_ at: Int) -> UInt32 { UInt32(truncatingIfNeeded: u(at, 4)) }
    func u64(_ at: Int) -> UInt64 { u(at, 8) }
  }
}
