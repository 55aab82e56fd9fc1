internal import CDwarf

#if canImport(Glibc)
  import Glibc
#endif

/// The pages of `.debug_info` the walk has left behind, handed back to the kernel as it goes.
///
/// libelf maps the input file, and every page of `.debug_info` the walk reads stays in the
/// process's resident set until the end: 210 MB of Debian's vmlinux, a quarter of the import's
/// peak. Once the units of a range are walked and absorbed, nothing reads their bytes again
/// but a reference resolved at the end, which reads the page back from the page cache. So the
/// pages below the walk are unmapped (`MADV_DONTNEED`) as it moves on; the file and the page
/// cache keep them.
///
/// Only where that cannot change what is read: the section must lie in a private mapping of a
/// file with no page written (not a buffer libelf filled: a compressed section, a file libelf
/// read instead of mapping), and the file must not be relocatable (libdwfl applies an object's
/// relocations to its mapped sections, and dropping such a page would drop them).
struct WalkedPages {
  private let start: UnsafeMutableRawPointer
  private let length: Int
  private let pageSize: Int
  /// Section bytes below this are released.
  private var released = 0
  private let log: ReleasedPages?

  /// The `.debug_info` of `dwarf`'s file, if its pages can be released (see above).
  init?(_ dwarf: OpaquePointer, relocatable: Bool, log: ReleasedPages? = nil) {
    self.log = log
    guard !relocatable, let elf = dwarf_getelf(dwarf) else { return nil }
    var index = 0
    var address: UInt64 = 0
    var size: UInt64 = 0
    guard rb_section_by_name(elf, ".debug_info", &index, &address, &size), let scn = elf_getscn(elf, index) else { return nil }
    var header = GElf_Shdr()
    guard gelf_getshdr(scn, &header) != nil, header.sh_flags & UInt64(SHF_COMPRESSED) == 0,
      let data = elf_getdata(scn, nil), let buffer = data.pointee.d_buf, data.pointee.d_size > 0
    else { return nil }
    pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    start = buffer
    length = Int(data.pointee.d_size)
    guard pageSize > 0, Self.isUnwrittenFileMapping(UInt(bitPattern: buffer), UInt(bitPattern: buffer) + UInt(length)) else { return nil }
  }

  /// Releases every page of the section, before the walk: reading each unit's header (the
  /// extent check, the unit list) maps the pages around it too, 140 MB of Debian's vmlinux.
  /// The walk maps what it reads again, from the page cache.
  func releaseAll() {
    _ = release(from: 0, to: length)
  }

  /// Releases the whole pages of the section below offset `end`.
  mutating func release(below end: UInt64) {
    if let last = release(from: released, to: Int(min(end, UInt64(length)))) { released = last }
  }

  /// Releases the whole pages within section offsets `from ..< to`; returns the offset where
  /// the last released page ends, nil when none lies within.
  private func release(from: Int, to: Int) -> Int? {
    let mask = ~UInt(pageSize - 1)
    let first = (UInt(bitPattern: start) + UInt(from) + UInt(pageSize - 1)) & mask
    let last = (UInt(bitPattern: start) + UInt(to)) & mask
    guard last > first else { return nil }
    if madvise(UnsafeMutableRawPointer(bitPattern: first), Int(last - first), MADV_DONTNEED) == 0 { log?.bytes += Int(last - first) }
    return Int(last - UInt(bitPattern: start))
  }

  /// Whether `[from, to)` lies in one private mapping of a file (`/proc/self/smaps`) of which
  /// no page is the process's own copy ("Anonymous: 0 kB"): nothing was written to it, so a
  /// released page reads back as it was. libelf maps the file writable (copy on write) for
  /// relocations, which only relocatable files get.
  private static func isUnwrittenFileMapping(_ from: UInt, _ to: UInt) -> Bool {
    guard let f = fopen("/proc/self/smaps", "r") else { return false }
    defer { fclose(f) }
    var line = [UInt8](repeating: 0, count: 4096)
    var inside = false
    while fgets(&line, Int32(line.count), f) != nil {
      let text = String(decoding: line.prefix { $0 != 0 }, as: UTF8.self)
      let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
      guard let first = fields.first else { continue }
      let range = first.split(separator: "-")
      if range.count == 2, let low = UInt(range[0], radix: 16), let high = UInt(range[1], radix: 16) {
        // A mapping's first line: "start-end perms offset dev inode path".
        if inside { return false } // its block ended without an Anonymous line
        guard low <= from && to <= high else { continue }
        guard fields.count >= 6, fields[1].hasSuffix("p"), fields[4] != "0" else { return false }
        inside = true
      } else if inside && first == "Anonymous:" {
        return fields.count >= 2 && fields[1] == "0"
      }
    }
    return false
  }
}

/// What `WalkedPages` released, for tests.
final class ReleasedPages: @unchecked Sendable {
  var bytes = 0
}
