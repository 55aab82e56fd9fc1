internal import CDwarf

/// Checks of an input file before libdwfl/libdw see it, so that common mistakes (not an ELF
/// file, a truncated copy, a file without DWARF) are reported as one clear line instead of a
/// libdw error code. libelf reads the headers (`elf_begin` on a read-only descriptor,
/// `gelf_getehdr`, `gelf_getshdr`, `gelf_getchdr`); what is checked here is what libelf
/// tolerates and libdw would trip over later (a file cut short, a section past the end).
struct ELFFileCheck {
  /// The file's byte order is big-endian.
  var bigEndian = false
  /// Some `.debug_*` section is zstd-compressed (`SHF_COMPRESSED` with `ELFCOMPRESS_ZSTD`).
  var hasZstdDebugSections = false
  /// The DWARF refers to a dwz supplementary file (`.gnu_debugaltlink`, or DWARF 5's
  /// `.debug_sup`), which the import must read too.
  var hasSupplementaryFile = false
  /// `e_type` (`ET_REL` for a relocatable object).
  var elfType: UInt16 = 0

  /// `ELFCOMPRESS_ZSTD`, which the build host's elf.h (glibc < 2.37) may not define.
  static let elfCompressZstd: UInt32 = 2

  /// Validates `path` and returns what was learned; throws a one-line `ImportError` otherwise.
  static func check(path: String) throws(ImportError) -> ELFFileCheck {
    let fd = rb_open_readonly(path)
    if fd < 0 { throw ImportError("\(path): cannot open: \(errorText(-fd))") }
    defer { rb_close(fd) }
    let size = rb_file_size(fd)
    if size < 0 { throw ImportError("\(path): cannot open: \(errorText(Int32(clamping: -size)))") }
    let fileSize = UInt64(clamping: size)
    if fileSize == 0 { throw ImportError("\(path): not an ELF file (empty file)") }

    elf_version(UInt32(EV_CURRENT))
    // libelf refuses an ELF identification whose header it cannot read (nil), and takes
    // anything else as an archive, an ELF file or "none".
    guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
      throw refusal(path, fd: fd, fileSize: fileSize)
    }
    defer { elf_end(elf) }
    switch elf_kind(elf) {
    case ELF_K_AR: throw ImportError("\(path): not an ELF file (an ar archive; extract its members first)")
    case ELF_K_ELF: break
    default: throw refusal(path, fd: fd, fileSize: fileSize)
    }
    var ehdr = GElf_Ehdr()
    guard gelf_getehdr(elf, &ehdr) != nil else { throw refusal(path, fd: fd, fileSize: fileSize) }
    let is64 = gelf_getclass(elf) == ELFCLASS64
    var result = ELFFileCheck()
    result.bigEndian = Int32(ehdr.e_ident.5) == ELFDATA2MSB
    result.elfType = ehdr.e_type

    try checkSectionHeaders(path, elf, ehdr, is64: is64, fileSize: fileSize)
    var shnum = 0
    var shstrndx = 0
    guard elf_getshdrnum(elf, &shnum) == 0 else {
      throw ImportError("\(path): not a valid ELF file (\(libelfError()))")
    }
    guard elf_getshdrstrndx(elf, &shstrndx) == 0, shstrndx < shnum else {
      throw ImportError("\(path): not a valid ELF file (section name table index \(ehdr.e_shstrndx) out of range)")
    }
    var names = GElf_Shdr()
    guard let namesSection = elf_getscn(elf, shstrndx), gelf_getshdr(namesSection, &names) != nil else {
      throw ImportError("\(path): not a valid ELF file (\(libelfError()))")
    }
    if names.sh_offset > fileSize || names.sh_size > fileSize - names.sh_offset {
      throw ImportError("\(path): truncated ELF file (section name table extends past end of file)")
    }

    var hasDebugInfo = false
    var scn: OpaquePointer? = nil
    while let s = elf_nextscn(elf, scn) {
      scn = s
      var sh = GElf_Shdr()
      guard gelf_getshdr(s, &sh) != nil else { continue }
      var n = sectionName(elf, shstrndx, sh.sh_name)
      if n.isEmpty { n = "#\(elf_ndxscn(s))" }
      let isNobits = sh.sh_type == SHT_NOBITS
      if !isNobits && sh.sh_size > 0 && (sh.sh_offset > fileSize || sh.sh_size > fileSize - sh.sh_offset) {
        throw ImportError("\(path): truncated ELF file (section \(n) extends past end of file)")
      }
      if n == ".gnu_debugaltlink" || n == ".debug_sup" { result.hasSupplementaryFile = true }
      let isDebug = n.hasPrefix(".debug_") || n.hasPrefix(".zdebug_")
      if n == ".debug_info" || n == ".zdebug_info" {
        if isNobits {
          throw ImportError(
            "\(path): no DWARF debug information (.debug_info is NOBITS: the debug info was split off)")
        }
        hasDebugInfo = true
      }
      if isDebug && (sh.sh_flags & UInt64(SHF_COMPRESSED)) != 0 && !isNobits {
        var chdr = GElf_Chdr()
        if gelf_getchdr(s, &chdr) != nil && chdr.ch_type == elfCompressZstd { result.hasZstdDebugSections = true }
      }
    }
    if !hasDebugInfo {
      throw ImportError("\(path): no DWARF debug information (.debug_info missing)")
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

  /// The section header table must lie within the file: libelf reads a table cut short as no
  /// sections at all.
  private static func checkSectionHeaders(
    _ path: String, _ elf: OpaquePointer, _ ehdr: GElf_Ehdr, is64: Bool, fileSize: UInt64
  ) throws(ImportError) {
    let shoff = ehdr.e_shoff
    let shentsize = UInt64(ehdr.e_shentsize)
    if shoff == 0 {
      throw ImportError("\(path): no DWARF debug information (no section headers)")
    }
    let minEnt = UInt64(is64 ? MemoryLayout<Elf64_Shdr>.size : MemoryLayout<Elf32_Shdr>.size)
    if shentsize < minEnt {
      throw ImportError("\(path): not a valid ELF file (section header size \(shentsize))")
    }
    if shoff >= fileSize || fileSize - shoff < shentsize {
      throw ImportError("\(path): truncated ELF file (section headers extend past end of file)")
    }
    // e_shnum is 0 when the count overflows it; section 0 holds it then (elf_getshdrnum).
    var count = UInt64(ehdr.e_shnum)
    if count == 0 {
      var n = 0
      if elf_getshdrnum(elf, &n) == 0 { count = UInt64(n) }
    }
    let (tableSize, overflow) = count.multipliedReportingOverflow(by: shentsize)
    if overflow || tableSize > fileSize - shoff {
      throw ImportError("\(path): truncated ELF file (section headers extend past end of file)")
    }
    if tableSize > 1 << 31 {
      throw ImportError("\(path): not a valid ELF file (\(count) sections)")
    }
  }

  /// Why libelf did not take the file as an ELF file, worded from its identification bytes.
  private static func refusal(_ path: String, fd: Int32, fileSize: UInt64) -> ImportError {
    var ident = [UInt8](repeating: 0, count: Int(EI_NIDENT))
    let got = ident.withUnsafeMutableBytes { Int(rb_pread_full(fd, $0.baseAddress, $0.count, 0)) }
    if got < 0 { return ImportError("\(path): cannot read: \(errorText(Int32(clamping: -got)))") }
    let magic = Array(ELFMAG.utf8)
    guard got >= magic.count, ident[0..<magic.count].elementsEqual(magic) else {
      return ImportError("\(path): not an ELF file")
    }
    if got < Int(EI_NIDENT) { return ImportError("\(path): truncated ELF file (ELF header incomplete)") }
    let elfClass = Int32(ident[Int(EI_CLASS)])
    let headerSize: Int
    switch elfClass {
    case ELFCLASS32: headerSize = MemoryLayout<Elf32_Ehdr>.size
    case ELFCLASS64: headerSize = MemoryLayout<Elf64_Ehdr>.size
    default: return ImportError("\(path): not a valid ELF file (unknown ELF class \(elfClass))")
    }
    let data = Int32(ident[Int(EI_DATA)])
    if data != ELFDATA2LSB && data != ELFDATA2MSB {
      return ImportError("\(path): not a valid ELF file (unknown byte order \(data))")
    }
    if fileSize < UInt64(headerSize) { return ImportError("\(path): truncated ELF file (ELF header incomplete)") }
    let version = Int32(ident[Int(EI_VERSION)])
    if version != EV_CURRENT { return ImportError("\(path): not a valid ELF file (unknown ELF version \(version))") }
    return ImportError("\(path): not a valid ELF file (\(libelfError()))")
  }

  /// A section's name for a one-line message: printable ASCII only, at most 64 bytes; "?" when
  /// libelf cannot read it.
  private static func sectionName(_ elf: OpaquePointer, _ shstrndx: Int, _ offset: UInt32) -> String {
    guard let p = elf_strptr(elf, shstrndx, Int(offset)) else { return "?" }
    var bytes: [UInt8] = []
    var k = 0
    while p[k] != 0 && k < 64 {
      let b = UInt8(bitPattern: p[k])
      bytes.append(b >= 0x20 && b < 0x7f ? b : UInt8(ascii: "?"))
      k += 1
    }
    return String(decoding: bytes, as: UTF8.self) + (p[k] != 0 ? "..." : "")
  }

  private static func libelfError() -> String {
    guard let m = elf_errmsg(-1) else { return "unknown libelf error" }
    return DWARFImporter.oneLine(String(cString: m))
  }

  private static func errorText(_ err: Int32) -> String {
    guard let m = rb_strerror(err) else { return "error \(err)" }
    return DWARFImporter.oneLine(String(cString: m))
  }
}
