internal import CDwarf

#if canImport(Glibc)
  import Glibc
#endif

/// The pages of the input file the walk has left behind, handed back to the kernel as it goes.
///
/// libelf maps the input file, and every page the import reads stays in the process's resident
/// set until the end. On Debian's vmlinux that was 210 MB of `.debug_info`, a quarter of the
/// import's peak, and, once that was released, still 52 MB at the end of the walk: the location
/// and range lists, the abbreviations, the line tables, the symbol table. Nothing reads a page
/// again once the walk is past it but the odd reference resolved at the end, which reads it
/// back from the page cache. So (`MADV_DONTNEED`; the file and the page cache keep them):
/// - `.debug_info` below the units walked and absorbed, as the walk moves on;
/// - the sections each unit has its own part of, laid out in the order of the units
///   (`followers`: `.debug_abbrev`, `.debug_line`, the location and range lists, the string
///   offsets, the address table), in proportion to the units walked, less a margin: a unit whose
///   part lies below the mark reads its pages back, nothing more (the order is how linkers lay
///   them out, not something the walk relies on);
/// - the symbol table and its strings once read (`releaseSymbolTable`), before the walk.
/// `.debug_str` stays: any unit may use any of its strings.
///
/// Only where that cannot change what is read: a section must lie in a private mapping of a
/// file with no page written (not a buffer libelf filled: a compressed section, a file libelf
/// read instead of mapping), and the file must not be relocatable (libdwfl applies an object's
/// relocations to its mapped sections, and dropping such a page would drop them).
struct WalkedPages {
  /// A section's bytes in the mapping, released from its start up.
  private struct Pages {
    let name: String
    let start: UnsafeMutableRawPointer
    let length: Int
    /// Section bytes below this are released.
    var released = 0
  }

  private var info: Pages
  private var followers: [Pages] = []
  private var symbolTable: [Pages] = []
  private let pageSize: Int
  private let log: ReleasedPages?

  /// Sections with a part per unit, in unit order (DWARF 4 and 5 names).
  static let followerNames = [
    ".debug_abbrev", ".debug_line", ".debug_loclists", ".debug_loc", ".debug_rnglists", ".debug_ranges", ".debug_str_offsets",
    ".debug_addr",
  ]
  /// The share of a follower section kept below the mark, for units whose part lies lower than
  /// their place among the units.
  static let followerMargin = 32

  /// The sections of `dwarf`'s file whose pages can be released (see above); nil when
  /// `.debug_info`'s cannot.
  init?(_ dwarf: OpaquePointer, relocatable: Bool, log: ReleasedPages? = nil) {
    self.log = log
    guard !relocatable, let elf = dwarf_getelf(dwarf) else { return nil }
    pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    guard pageSize > 0 else { return nil }
    let mappings = UnwrittenFileMappings()
    func pages(_ name: String) -> Pages? {
      var index = 0
      var address: UInt64 = 0
      var size: UInt64 = 0
      guard rb_section_by_name(elf, name, &index, &address, &size), let scn = elf_getscn(elf, index) else { return nil }
      var header = GElf_Shdr()
      guard gelf_getshdr(scn, &header) != nil, header.sh_flags & UInt64(SHF_COMPRESSED) == 0,
        let data = elf_getdata(scn, nil), let buffer = data.pointee.d_buf, data.pointee.d_size > 0
      else { return nil }
      let low = UInt(bitPattern: buffer)
      guard mappings.contains(low, low + UInt(data.pointee.d_size)) else { return nil }
      return Pages(name: name, start: buffer, length: Int(data.pointee.d_size))
    }
    guard let info = pages(".debug_info") else { return nil }
    self.info = info
    followers = Self.followerNames.compactMap(pages)
    symbolTable = [".symtab", ".strtab"].compactMap(pages)
  }

  /// Releases every page of `.debug_info`, before the walk: reading each unit's header (the
  /// extent check, the unit list) maps the pages around it too, 140 MB of Debian's vmlinux.
  /// The walk maps what it reads again, from the page cache.
  func releaseAll() {
    _ = release(info, from: 0, to: info.length)
  }

  /// Releases the symbol table and its strings, once `ELFSymbolReader` has read them (it
  /// copies what it keeps): 8 MB of Debian's vmlinux.
  func releaseSymbolTable() {
    for s in symbolTable { _ = release(s, from: 0, to: s.length) }
  }

  /// Releases the whole pages of `.debug_info` below offset `end`, and of each follower below
  /// the same share of it, less the margin.
  mutating func release(below end: UInt64) {
    guard let last = release(info, from: info.released, to: Int(min(end, UInt64(info.length)))) else { return }
    info.released = last
    for k in followers.indices {
      let length = followers[k].length
      let mark = Int((Double(last) / Double(info.length)) * Double(length)) - length / Self.followerMargin
      if mark > followers[k].released, let done = release(followers[k], from: followers[k].released, to: mark) {
        followers[k].released = done
      }
    }
  }

  /// Releases the whole pages within `section`'s offsets `from ..< to`; returns the offset where
  /// the last released page ends, nil when none lies within.
  private func release(_ section: Pages, from: Int, to: Int) -> Int? {
    let mask = ~UInt(pageSize - 1)
    let base = UInt(bitPattern: section.start)
    let first = (base + UInt(from) + UInt(pageSize - 1)) & mask
    let last = (base + UInt(to)) & mask
    guard last > first else { return nil }
    if madvise(UnsafeMutableRawPointer(bitPattern: first), Int(last - first), MADV_DONTNEED) == 0 {
      log?.add(section.name, Int(last - first))
    }
    return Int(last - base)
  }
}

/// The private mappings of a file of which no page is the process's own copy ("Anonymous:
/// 0 kB" in `/proc/self/smaps`): nothing was written to them, so a released page reads back as
/// it was. libelf maps the file writable (copy on write) for relocations, which only
/// relocatable files get.
private struct UnwrittenFileMappings {
  private var ranges: [(low: UInt, high: UInt)] = []

  init() {
    guard let f = fopen("/proc/self/smaps", "r") else { return }
    defer { fclose(f) }
    var line = [UInt8](repeating: 0, count: 4096)
    // The mapping being read: a private file mapping, until its Anonymous line says otherwise.
    var current: (low: UInt, high: UInt)? = nil
    while fgets(&line, Int32(line.count), f) != nil {
      let text = String(decoding: line.prefix { $0 != 0 }, as: UTF8.self)
      let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
      guard let first = fields.first else { continue }
      let range = first.split(separator: "-")
      if range.count == 2, let low = UInt(range[0], radix: 16), let high = UInt(range[1], radix: 16) {
        // A mapping's first line: "start-end perms offset dev inode path". A block that ended
        // without an Anonymous line counts as written.
        current = fields.count >= 6 && fields[1].hasSuffix("p") && fields[4] != "0" ? (low, high) : nil
      } else if let c = current, first == "Anonymous:" {
        if fields.count >= 2 && fields[1] == "0" { ranges.append(c) }
        current = nil
      }
    }
  }

  /// Whether `[from, to)` lies in one of them.
  func contains(_ from: UInt, _ to: UInt) -> Bool {
    ranges.contains { $0.low <= from && to <= $0.high }
  }
}

/// What `WalkedPages` released, for tests: bytes per section.
final class ReleasedPages: @unchecked Sendable {
  private(set) var sections: [String: Int] = [:]

  func add(_ section: String, _ count: Int) { sections[section, default: 0] += count }
}
