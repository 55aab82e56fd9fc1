import CDwarf

#if canImport(Glibc)
  import Glibc
#endif

// Writing BTF into an ELF file, as `pahole -J FILE` does for a Linux kernel build: the
// `.tmp_vmlinux1` link already has an empty `.BTF` section to fill, a module `.ko` has none and
// gets one. Afterwards `objcopy --only-section=.BTF`, `resolve_btfids` (libbpf) and the module
// loader read the file, so it must stay an ELF file every tool accepts.
//
// How the file is changed, and why:
// - Never in place: the file is copied to `.rustbtf-XXXXXX` in its directory, the copy is edited
//   with libelf and renamed over the original, so a failure at any point leaves the original
//   byte-identical and a reader never sees a half-written file.
// - libelf lays out nothing (ELF_F_LAYOUT): every other section keeps its offset and bytes.
//   Where the new `.BTF` bytes go (`Placement`):
//   - a `.BTF` that is the last thing before the section header table (as after an earlier
//     `-J`) is rewritten at its offset, the section header table behind it, and the file cut
//     there: running `-J` again keeps the file's size, as pahole's does;
//   - new bytes that fit in the old section's space go there, the header table staying put;
//   - otherwise they go behind the old end of the file: (only when a section is added, since
//     its name must be added) the grown section name string table, then the `.BTF` bytes, then
//     the section header table; the old copies of those become unreferenced bytes.
//   A `.BTF` loaded by a segment (SHF_ALLOC inside a PT_LOAD, as in a linked vmlinux) is part
//   of the program's memory image: new bytes of its exact size replace it there; any other
//   size is refused, since moving or growing it would leave its address range over the next
//   sections' (`.eh_frame_hdr`) and `strip` would then change the program.
// - libelf zero-fills what it takes for gaps next to what it writes, so afterwards every byte
//   of the old file but those rightly rewritten (the ELF header, the new section bytes and
//   section header table where they lie inside the old file) is put back from the original
//   (`restoreOriginalBytes`).
// - The new file gets the original's mode, owner (as root) and extended attributes (POSIX ACLs,
//   file capabilities, SELinux labels), as `cp --preserve=all` keeps them. Other hard links to
//   the file keep the old contents: the new file is a new inode renamed over this name.

// MARK: - Public API

/// Puts `btf` into the `.BTF` section (`sectionName`) of the ELF file at `path`, replacing the
/// section's contents when it exists and adding a section (SHT_PROGBITS, no flags, 4-byte
/// aligned) when it does not. Atomically: the file is edited as a copy in the same directory,
/// which then gets the original's permission bits (and owner, when running as root) and is
/// renamed over it, with the original's extended attributes (ACLs, capabilities); a symlink is
/// written through, so the link stays a link (one in a sticky world-writable directory only when
/// the kernel's fs.protected_symlinks rule would follow it). Every other section keeps its offset
/// and bytes, and every byte of the original file up to the old `.BTF` (all of it, when `.BTF`
/// moves behind the end) except the ELF header stays where it was.
///
/// Throws `ConversionError` with a one-line message naming `path`, leaving the file untouched,
/// for: a path that cannot be resolved or opened, something other than a regular file, a file
/// that is not ELF, a `.BTF` section of type SHT_NOBITS, a `.BTF` loaded by a segment that the
/// new BTF is not the same size as, a section name string table that is loaded into memory
/// (SHF_ALLOC, which cannot be moved), or any I/O or libelf failure.
public func writeBTFSection(_ btf: [UInt8], intoELF path: String, sectionName: String = ".BTF") throws {
  try writeBTFSections([(sectionName, btf)], intoELF: path)
}

/// Like `writeBTFSection`, for several sections in one atomic edit: `pahole -J` with
/// `--btf_features=distilled_base` writes `.BTF` and `.BTF.base` (`DistilledBase`), and a
/// reader must never see one without the other. Each section is placed as `writeBTFSection`
/// places its one, in order, on the copy the one before left; the bytes each edit must keep
/// come from a snapshot of that copy (an unnamed temporary file).
public func writeBTFSections(_ sections: [(name: String, bytes: [UInt8])], intoELF path: String) throws {
  for s in sections { try checkSectionName(s.name, file: path) }
  let target = try OutputTarget.resolvingLinks(path)
  let original = try OpenedFile(path: target, reportedAs: path)
  defer { original.close() }
  try original.requireELFMagic()
  let copy = try TemporaryFile(besides: target, reportedAs: path)
  var snapshot: OpenedFile? = nil
  defer { snapshot?.close() }
  do {
    var size = try copy.fill(from: original)
    for (i, section) in sections.enumerated() {
      if i > 0 {
        snapshot?.close()
        snapshot = try OpenedFile(snapshotOf: copy, size: size, reportedAs: path)
      }
      let reference = snapshot ?? original
      let edit = try placeSection(section.bytes, named: section.name, inELF: copy.fd, fileSize: size, reportedAs: path)
      try restoreOriginalBytes(edit.kept, except: edit.rewritten, from: reference, to: copy, reportedAs: path)
      if edit.newSize < size, ftruncate(copy.fd, off_t(edit.newSize)) != 0 {
        throw ConversionError("\(path): cannot write the temporary copy: \(errnoText())")
      }
      size = edit.newSize
    }
    try copy.replace(target, keepingModeAndOwnerOf: original)
  } catch {
    copy.discard()
    throw error
  }
}

/// The contents of the section named `sectionName` (`.BTF`) of the ELF file at `path`; nil when
/// the file has no such section, empty when the section is empty (as in `.tmp_vmlinux1` before
/// pahole runs). Throws `ConversionError` for a file that is not a readable regular ELF file, and
/// for a section of type SHT_NOBITS or a compressed one (SHF_COMPRESSED).
public func readBTFSection(fromELF path: String, sectionName: String = ".BTF") throws -> [UInt8]? {
  let file = try OpenedFile(path: path, reportedAs: path)
  defer { file.close() }
  try file.requireELFMagic()
  let elf = try ELFHandle(fd: file.fd, command: ELF_C_READ, reportedAs: path)
  defer { elf.end() }
  guard let (scn, shdr) = try elf.section(named: sectionName) else { return nil }
  try refuseNoBits(shdr, sectionName, file: path)
  if shdr.sh_flags & UInt64(SHF_COMPRESSED) != 0 {
    throw ConversionError("\(path): section \(sectionName) is compressed (SHF_COMPRESSED), which is not supported")
  }
  if shdr.sh_size == 0 { return [] }
  // Raw bytes, no libelf conversion: BTF is a byte blob whatever the ELF file's byte order.
  guard let data = elf_rawdata(scn, nil), let bytes = data.pointee.d_buf, data.pointee.d_size == Int(shdr.sh_size) else {
    throw ConversionError("\(path): cannot read section \(sectionName): \(elfError())")
  }
  return Array(UnsafeRawBufferPointer(start: bytes, count: data.pointee.d_size))
}

// MARK: - The ELF edit

/// What `placeSection` changed in a file of the old size.
private struct SectionEdit {
  /// The part of the old file whose bytes stay (from the end of the ELF header).
  var kept: Range<UInt64>
  /// The parts of `kept` libelf rightly rewrote (the section's new bytes, the section header
  /// table), which are not put back.
  var rewritten: [Range<UInt64>]
  /// The file's new size.
  var newSize: UInt64
}

/// Where the new contents of an existing section go (see the top of this file).
private enum Placement {
  /// At the section's offset; the section header table stays where it is.
  case inPlace(UInt64)
  /// From the section's offset, with the section header table behind; the file ends there.
  case lastBeforeSectionHeaders(UInt64)
  /// Behind the old end of the file.
  case behindTheEnd
}

/// Puts `bytes` into the section `name` of the ELF file open (read-write) at `fd`, laying the
/// changed parts out as `Placement` says, and writes the file through libelf.
private func placeSection(
  _ bytes: [UInt8], named name: String, inELF fd: Int32, fileSize: UInt64,
  reportedAs file: String
) throws -> SectionEdit {
  // libelf only points at the buffers handed to it; they must outlive elf_update and elf_end.
  var buffers = OwnedBuffers()
  defer { buffers.deallocateAll() }
  let elf = try ELFHandle(fd: fd, command: ELF_C_RDWR, reportedAs: file)
  defer { elf.end() }
  var ehdr = try elf.header()
  var end = fileSize
  let scn: OpaquePointer
  let shdr: GElf_Shdr
  var nameTable: (scn: OpaquePointer, shdr: GElf_Shdr)? = nil
  var placement = Placement.behindTheEnd
  if let existing = try elf.section(named: name) {
    // An allocated `.BTF` outside the segments' bytes (`.tmp_vmlinux1`'s, empty) keeps its
    // address while its bytes go elsewhere, as pahole's do: it cannot grow inside its segment,
    // and the kernel build only takes its bytes (`objcopy --only-section=.BTF`).
    try refuseNoBits(existing.shdr, name, file: file)
    (scn, shdr) = existing
    placement = try elf.placement(of: shdr, named: name, newSize: UInt64(bytes.count), fileSize: fileSize, ehdr: ehdr)
  } else {
    // Checked before anything changes: the name must go into a table that can be moved.
    let table = try movableSectionNameTable(elf, adding: name)
    guard let nameOffset = UInt32(exactly: table.shdr.sh_size) else { throw elf.error("the section name string table is too large") }
    (scn, shdr) = try elf.newSection(nameOffset: nameOffset)
    nameTable = table
  }
  // The name table first: `.BTF` is then the last section, which the next run rewrites there.
  if let nameTable { try appendSectionName(name, to: nameTable, elf: elf, buffers: &buffers, end: &end) }
  let headerSize = UInt64(ehdr.e_ehsize)
  let headerTableSize = UInt64(try elf.sectionCount()) * UInt64(ehdr.e_shentsize)
  switch placement {
  case .inPlace(let offset):
    try elf.setContents(of: scn, header: shdr, to: buffers.copy(bytes), count: bytes.count, end: &end, at: offset)
    try elf.update(header: ehdr, addedSection: false)
    return SectionEdit(
      kept: headerSize..<fileSize,
      rewritten: [offset..<offset + UInt64(bytes.count), ehdr.e_shoff..<ehdr.e_shoff + headerTableSize],
      newSize: fileSize)
  case .lastBeforeSectionHeaders(let offset):
    end = offset
  case .behindTheEnd:
    break
  }
  try elf.setContents(of: scn, header: shdr, to: buffers.copy(bytes), count: bytes.count, end: &end)
  // Behind everything else, aligned as the class's section headers need (8 or 4 bytes).
  ehdr.e_shoff = alignUp(end, elf.is32Bit ? 4 : 8)
  try elf.update(header: ehdr, addedSection: nameTable != nil)
  let newSize = max(fileSize, ehdr.e_shoff + headerTableSize)
  if case .lastBeforeSectionHeaders(let offset) = placement {
    return SectionEdit(kept: headerSize..<min(offset, fileSize), rewritten: [], newSize: ehdr.e_shoff + headerTableSize)
  }
  return SectionEdit(kept: headerSize..<fileSize, rewritten: [], newSize: newSize)
}

/// The section name string table (the section at e_shstrndx), which is about to grow by `name`
/// and so must move behind the end of the file.
private func movableSectionNameTable(_ elf: ELFHandle, adding name: String) throws -> (scn: OpaquePointer, shdr: GElf_Shdr) {
  let (scn, shdr) = try elf.sectionNameTable()
  // An allocated table lies in a segment and may be used at run time: moving it would cut it
  // loose from its segment. No linker makes one; refuse rather than guess.
  if shdr.sh_flags & UInt64(SHF_ALLOC) != 0 {
    throw elf.error("the section name string table is SHF_ALLOC (loaded into memory), so it cannot grow to add section \(name)")
  }
  if shdr.sh_type == UInt32(SHT_NOBITS) || shdr.sh_flags & UInt64(SHF_COMPRESSED) != 0 {
    throw elf.error("the section name string table is not stored as plain bytes, so it cannot grow to add section \(name)")
  }
  return (scn, shdr)
}

/// Appends `name` and its NUL to the section name string table `table` (whose old size is the
/// name's offset) and moves the table's data behind `end`, since it grew.
private func appendSectionName(
  _ name: String, to table: (scn: OpaquePointer, shdr: GElf_Shdr), elf: ELFHandle,
  buffers: inout OwnedBuffers, end: inout UInt64
) throws {
  // One data block covering the whole section, as libelf reads it from a file.
  guard let data = elf_getdata(table.scn, nil), data.pointee.d_off == 0,
    data.pointee.d_size == Int(table.shdr.sh_size), elf_getdata(table.scn, data) == nil
  else {
    throw elf.error("cannot read the section name string table: \(elfError())")
  }
  let old = UnsafeRawBufferPointer(start: data.pointee.d_buf, count: data.pointee.d_size)
  let grown = Array(old) + Array(name.utf8) + [0]
  try elf.setContents(of: table.scn, header: table.shdr, to: buffers.copy(grown), count: grown.count, end: &end, data: data)
}

/// Refuses a section that occupies no bytes in the file (`.bss`-like): filling it would change
/// what the program loads, not add BTF.
private func refuseNoBits(_ shdr: GElf_Shdr, _ name: String, file: String) throws {
  if shdr.sh_type == UInt32(SHT_NOBITS) {
    throw ConversionError("\(file): section \(name) is SHT_NOBITS (it has no bytes in the file), refusing to put BTF there")
  }
}

private func checkSectionName(_ name: String, file: String) throws {
  if name.isEmpty || name.utf8.contains(0) {
    throw ConversionError("\(file): invalid section name '\(name)'")
  }
}

/// An ELF descriptor of libelf over an open file; every failure becomes a one-line
/// `ConversionError` naming the file.
private struct ELFHandle {
  let elf: OpaquePointer
  let file: String

  init(fd: Int32, command: Elf_Cmd, reportedAs file: String) throws {
    elf_version(UInt32(EV_CURRENT))
    guard let elf = elf_begin(fd, command, nil) else {
      throw ConversionError("\(file): cannot read as ELF: \(elfError())")
    }
    guard elf_kind(elf) == ELF_K_ELF else {
      elf_end(elf)
      throw ConversionError("\(file): not an ELF file")
    }
    self.elf = elf
    self.file = file
  }

  func end() { elf_end(elf) }

  var is32Bit: Bool { gelf_getclass(elf) == ELFCLASS32 }

  func error(_ what: String) -> ConversionError { ConversionError("\(file): \(what)") }

  func header() throws -> GElf_Ehdr {
    var ehdr = GElf_Ehdr()
    guard gelf_getehdr(elf, &ehdr) != nil else { throw error("cannot read the ELF header: \(elfError())") }
    return ehdr
  }

  /// Index of the section name string table; elf_getshdrstrndx follows SHN_XINDEX (more than
  /// 0xff00 sections) to the index kept in section 0.
  func sectionNameTableIndex() throws -> Int {
    var index = 0
    guard elf_getshdrstrndx(elf, &index) == 0 else {
      throw error("cannot find the section name string table: \(elfError())")
    }
    guard index != 0 else { throw error("the file has no section name string table") }
    return index
  }

  func sectionNameTable() throws -> (OpaquePointer, GElf_Shdr) {
    let index = try sectionNameTableIndex()
    var shdr = GElf_Shdr()
    // libelf quietly sees no sections when the section header table lies past the end of the
    // file; asking for this one catches that.
    guard let scn = elf_getscn(elf, index), gelf_getshdr(scn, &shdr) != nil else {
      throw error("cannot read the section name string table (truncated or corrupt file?): \(elfError())")
    }
    return (scn, shdr)
  }

  /// The first section called `name`, with its header; nil when there is none.
  func section(named name: String) throws -> (scn: OpaquePointer, shdr: GElf_Shdr)? {
    let (namesScn, _) = try sectionNameTable()
    let names = elf_ndxscn(namesScn)
    // elf_getshdrnum reads the count from section 0 when e_shnum overflowed; it also makes
    // libelf read every section header now, so a corrupt table fails here with its message.
    var count = 0
    guard elf_getshdrnum(elf, &count) == 0 else { throw error("cannot read the section headers: \(elfError())") }
    var scn: OpaquePointer? = nil
    while let next = elf_nextscn(elf, scn) {
      scn = next
      var shdr = GElf_Shdr()
      guard gelf_getshdr(next, &shdr) != nil else { throw error("cannot read a section header: \(elfError())") }
      if let n = elf_strptr(elf, names, Int(shdr.sh_name)), String(cString: n) == name { return (next, shdr) }
    }
    return nil
  }

  /// The number of sections (elf_getshdrnum: from section 0 when e_shnum overflowed).
  func sectionCount() throws -> Int {
    var count = 0
    guard elf_getshdrnum(elf, &count) == 0 else { throw error("cannot read the section headers: \(elfError())") }
    return count
  }

  /// The program headers' file ranges: (p_type, p_offset..<p_offset + p_filesz).
  func segments() throws -> [(type: UInt32, bytes: Range<UInt64>)] {
    var count = 0
    guard elf_getphdrnum(elf, &count) == 0 else { throw error("cannot read the program headers: \(elfError())") }
    return try (0..<count).map { i in
      var phdr = GElf_Phdr()
      guard gelf_getphdr(elf, Int32(i), &phdr) != nil else { throw error("cannot read a program header: \(elfError())") }
      return (phdr.p_type, phdr.p_offset..<phdr.p_offset + phdr.p_filesz)
    }
  }

  /// Where new contents of `size` bytes go for the existing section `shdr` (called `name`) of a
  /// file of `fileSize` bytes (see `Placement`).
  func placement(of shdr: GElf_Shdr, named name: String, newSize: UInt64, fileSize: UInt64, ehdr: GElf_Ehdr) throws -> Placement {
    let old = shdr.sh_offset..<shdr.sh_offset + shdr.sh_size
    let segments = try segments()
    if !old.isEmpty, segments.contains(where: { $0.type == UInt32(PT_LOAD) && $0.bytes.overlaps(old) }) {
      // The program loads these bytes: they may only be replaced where they are.
      guard newSize == shdr.sh_size else {
        throw error(
          """
          section \(name) is loaded into memory (SHF_ALLOC inside a PT_LOAD segment, as in a linked vmlinux), so BTF of \(newSize) bytes \
          cannot replace its \(shdr.sh_size) without relinking; -J fills .tmp_vmlinux1's empty .BTF, or use --btf_encode_detached
          """
        )
      }
      return .inPlace(shdr.sh_offset)
    }
    if try isLastBeforeSectionHeaders(shdr, fileSize: fileSize, ehdr: ehdr, segments: segments) {
      return .lastBeforeSectionHeaders(shdr.sh_offset)
    }
    if !old.isEmpty, newSize <= shdr.sh_size, shdr.sh_offset % 8 == 0 { return .inPlace(shdr.sh_offset) }
    return .behindTheEnd
  }

  /// True when nothing but the section header table, which ends the file, lies behind the start
  /// of section `shdr`: no other section's bytes, no program header or segment bytes.
  private func isLastBeforeSectionHeaders(
    _ shdr: GElf_Shdr, fileSize: UInt64, ehdr: GElf_Ehdr,
    segments: [(type: UInt32, bytes: Range<UInt64>)]
  ) throws -> Bool {
    let start = shdr.sh_offset
    let tableSize = UInt64(try sectionCount()) * UInt64(ehdr.e_shentsize)
    guard ehdr.e_shoff >= start + shdr.sh_size, ehdr.e_shoff + tableSize == fileSize else { return false }
    if ehdr.e_phnum > 0, ehdr.e_phoff + UInt64(ehdr.e_phnum) * UInt64(ehdr.e_phentsize) > start { return false }
    if segments.contains(where: { !$0.bytes.isEmpty && $0.bytes.upperBound > start }) { return false }
    var scn: OpaquePointer? = nil
    while let next = elf_nextscn(elf, scn) {
      scn = next
      var other = GElf_Shdr()
      guard gelf_getshdr(next, &other) != nil else { throw error("cannot read a section header: \(elfError())") }
      if other.sh_offset == shdr.sh_offset && other.sh_name == shdr.sh_name { continue } // the section itself
      if other.sh_type != UInt32(SHT_NOBITS) && other.sh_size > 0 && other.sh_offset + other.sh_size > start { return false }
    }
    return true
  }

  /// Appends a section header for an empty SHT_PROGBITS section called by the name at
  /// `nameOffset`, with no flags (not loaded, as `llvm-objcopy --add-section` makes it).
  func newSection(nameOffset: UInt32) throws -> (OpaquePointer, GElf_Shdr) {
    guard let scn = elf_newscn(elf) else { throw error("cannot add a section: \(elfError())") }
    var shdr = GElf_Shdr()
    shdr.sh_name = nameOffset
    shdr.sh_type = UInt32(SHT_PROGBITS)
    shdr.sh_addralign = 4
    return (scn, shdr)
  }

  /// Makes `bytes` the whole contents of section `scn`, placed at `offset`, or at the first
  /// suitably aligned offset at or after `end`, and moves `end` behind it. `data` is the
  /// section's existing data descriptor when the caller already has it.
  func setContents(
    of scn: OpaquePointer, header: GElf_Shdr, to bytes: UnsafeMutableRawPointer, count: Int,
    end: inout UInt64, at offset: UInt64? = nil, data existing: UnsafeMutablePointer<Elf_Data>? = nil
  ) throws {
    guard let data = existing ?? elf_getdata(scn, nil) ?? elf_newdata(scn) else {
      throw error("cannot get the data of a section: \(elfError())")
    }
    data.pointee.d_version = UInt32(EV_CURRENT) // zero in the descriptor of a new section
    data.pointee.d_buf = bytes
    data.pointee.d_size = count
    data.pointee.d_off = 0
    data.pointee.d_type = ELF_T_BYTE // no byte-order conversion
    data.pointee.d_align = 1 // within the section; the file offset is aligned below
    var shdr = header
    // 8 at least, so the blob's 32-bit fields are aligned in the file as well.
    shdr.sh_offset = offset ?? alignUp(end, max(8, shdr.sh_addralign))
    shdr.sh_size = UInt64(count)
    // The new bytes are stored as they are, whatever the old contents were.
    shdr.sh_flags &= ~UInt64(SHF_COMPRESSED)
    guard gelf_update_shdr(scn, &shdr) != 0 else { throw error("cannot update a section header: \(elfError())") }
    elf_flagdata(data, ELF_C_SET, UInt32(ELF_F_DIRTY))
    end = shdr.sh_offset + shdr.sh_size
  }

  /// Stores the ELF header and writes the changes into the file, with our layout.
  func update(header: GElf_Ehdr, addedSection: Bool) throws {
    var ehdr = header
    guard gelf_update_ehdr(elf, &ehdr) != 0 else { throw error("cannot update the ELF header: \(elfError())") }
    elf_flagelf(elf, ELF_C_SET, UInt32(ELF_F_LAYOUT))
    // A section created by elf_newscn keeps its header apart from the table libelf read from the
    // file, and libelf (updatefile) writes the table it read unless the whole descriptor is
    // dirty: without this the new section's header would not be written.
    if addedSection { elf_flagelf(elf, ELF_C_SET, UInt32(ELF_F_DIRTY)) }
    guard elf_update(elf, ELF_C_WRITE) >= 0 else { throw error("cannot write the ELF file: \(elfError())") }
  }
}

/// libelf writes fill bytes into the gap in front of each section it writes and behind headers
/// it rewrites, taking any bytes no section owns for padding: the old section header table,
/// padding the linker filled, data appended behind the sections. Nothing libelf rightly changed
/// lies in `range` but the parts in `rewritten`, so every other byte there is put back as it was
/// (only the differing blocks are written).
private func restoreOriginalBytes(
  _ range: Range<UInt64>, except rewritten: [Range<UInt64>], from original: OpenedFile,
  to copy: TemporaryFile, reportedAs file: String
) throws {
  var start = range.lowerBound
  for r in rewritten.sorted(by: { $0.lowerBound < $1.lowerBound }) where r.upperBound > start {
    if r.lowerBound > start {
      try restoreOriginalBytes(start..<min(r.lowerBound, range.upperBound), from: original, to: copy, reportedAs: file)
    }
    start = max(start, r.upperBound)
  }
  if start < range.upperBound { try restoreOriginalBytes(start..<range.upperBound, from: original, to: copy, reportedAs: file) }
}

private func restoreOriginalBytes(
  _ range: Range<UInt64>, from original: OpenedFile, to copy: TemporaryFile,
  reportedAs file: String
) throws {
  let blockSize = 1 << 20
  var old = [UInt8](repeating: 0, count: blockSize)
  var new = [UInt8](repeating: 0, count: blockSize)
  var offset = range.lowerBound
  while offset < range.upperBound {
    let count = Int(min(UInt64(blockSize), range.upperBound - offset))
    try readFully(original.fd, into: &old, count: count, at: offset, file: file)
    try readFully(copy.fd, into: &new, count: count, at: offset, file: file)
    if memcmp(old, new, count) != 0 {
      try writeFully(copy.fd, old, count: count, at: offset, file: file)
    }
    offset += UInt64(count)
  }
}

// MARK: - Files

/// A file opened for reading, known to be a regular file.
private struct OpenedFile {
  let fd: Int32
  let status: stat
  let file: String

  init(path: String, reportedAs file: String) throws {
    // O_NONBLOCK: opening a FIFO must not hang before fstat can refuse it.
    let fd = FileName.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
    guard fd >= 0 else { throw ConversionError("\(file): cannot open: \(errnoText())") }
    var status = stat()
    guard fstat(fd, &status) == 0 else {
      let message = errnoText()
      Glibc.close(fd)
      throw ConversionError("\(file): cannot stat: \(message)")
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
      Glibc.close(fd)
      throw ConversionError("\(file): not a regular file")
    }
    self.fd = fd
    self.status = status
    self.file = file
  }

  /// The first `size` bytes of `copy` as they are now, in an unnamed temporary file (gone when
  /// closed, or when the process ends), to restore from while `copy` is edited again.
  init(snapshotOf copy: TemporaryFile, size: UInt64, reportedAs file: String) throws {
    guard let stream = tmpfile() else { throw ConversionError("\(file): cannot create a temporary file: \(errnoText())") }
    let fd = dup(fileno(stream))
    fclose(stream)
    guard fd >= 0 else { throw ConversionError("\(file): cannot create a temporary file: \(errnoText())") }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var offset: UInt64 = 0
    while offset < size {
      let n = buffer.withUnsafeMutableBytes { pread(copy.fd, $0.baseAddress!, min($0.count, Int(size - offset)), off_t(offset)) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        Glibc.close(fd)
        throw ConversionError("\(file): cannot read the temporary copy: \(errnoText())")
      }
      try writeFully(fd, buffer, count: n, at: offset, file: file)
      offset += UInt64(n)
    }
    var status = stat()
    guard fstat(fd, &status) == 0 else {
      Glibc.close(fd)
      throw ConversionError("\(file): cannot stat a temporary file: \(errnoText())")
    }
    self.fd = fd
    self.status = status
    self.file = file
  }

  func close() { Glibc.close(fd) }

  /// Refuses anything without the ELF magic before a temporary copy is made.
  func requireELFMagic() throws {
    var magic = [UInt8](repeating: 0, count: 4)
    let n = pread(fd, &magic, 4, 0)
    guard n == 4, magic == [0x7f, 0x45, 0x4c, 0x46] else {
      if n < 0 { throw ConversionError("\(file): cannot read: \(errnoText())") }
      throw ConversionError("\(file): not an ELF file")
    }
  }
}

extension TemporaryFile {
  /// Copies all of `original` into this file; returns the number of bytes.
  fileprivate func fill(from original: OpenedFile) throws -> UInt64 {
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var offset: UInt64 = 0
    while true {
      let n = buffer.withUnsafeMutableBytes { pread(original.fd, $0.baseAddress!, $0.count, off_t(offset)) }
      if n < 0 {
        if errno == EINTR { continue }
        throw ConversionError("\(file): cannot read: \(errnoText())")
      }
      if n == 0 { return offset }
      try writeFully(fd, buffer, count: n, at: offset, file: file)
      offset += UInt64(n)
    }
  }

  /// Gives this file `original`'s permission bits, owner (as root) and extended attributes, and
  /// renames it over `target`: the file rewritten in place keeps what it was.
  fileprivate func replace(_ target: String, keepingModeAndOwnerOf original: OpenedFile) throws {
    let status = original.status
    // Owner before mode: chown clears the set-user-ID and set-group-ID bits; and before the
    // attributes: chown also clears file capabilities (security.capability).
    if geteuid() == 0, fchown(fd, status.st_uid, status.st_gid) != 0 {
      throw ConversionError("\(file): cannot give the new file the original's owner: \(errnoText())")
    }
    guard fchmod(fd, status.st_mode & 0o7777) == 0 else {
      throw ConversionError("\(file): cannot give the new file the original's permissions: \(errnoText())")
    }
    try copyExtendedAttributes(from: original.fd)
    try commit(as: target)
  }

  /// Every extended attribute of the file at `source` (user.*, security.* such as capabilities
  /// and SELinux labels, system.posix_acl_access, trusted.* as root), as `cp --preserve=all`.
  /// A value the new file already has (a label it inherited) is left alone; one that cannot be
  /// set fails the edit, so the original is not replaced by a file that lost it.
  private func copyExtendedAttributes(from source: Int32) throws {
    let names = try attributeNames(source)
    for name in names {
      let value = try attribute(name, of: source)
      if let current = try? attribute(name, of: fd), current == value { continue }
      let set = value.withUnsafeBytes { fsetxattr(fd, name, $0.baseAddress, value.count, 0) }
      guard set == 0 else {
        throw ConversionError("\(file): cannot give the new file the original's extended attribute \(name): \(errnoText())")
      }
    }
  }

  private func attributeNames(_ fd: Int32) throws -> [String] {
    while true {
      let size = flistxattr(fd, nil, 0)
      if size < 0 {
        if errno == ENOTSUP { return [] } // a file system without extended attributes
        throw ConversionError("\(file): cannot list the extended attributes: \(errnoText())")
      }
      if size == 0 { return [] }
      var buffer = [CChar](repeating: 0, count: size)
      let n = flistxattr(fd, &buffer, size)
      if n < 0 && errno == ERANGE { continue } // grew in between
      guard n >= 0 else { throw ConversionError("\(file): cannot list the extended attributes: \(errnoText())") }
      return buffer[0..<n].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }
  }

  private func attribute(_ name: String, of fd: Int32) throws -> [UInt8] {
    while true {
      let size = fgetxattr(fd, name, nil, 0)
      guard size >= 0 else { throw ConversionError("\(file): cannot read the extended attribute \(name): \(errnoText())") }
      var value = [UInt8](repeating: 0, count: size)
      let n = value.withUnsafeMutableBytes { fgetxattr(fd, name, $0.baseAddress, size) }
      if n < 0 && errno == ERANGE { continue }
      guard n >= 0 else { throw ConversionError("\(file): cannot read the extended attribute \(name): \(errnoText())") }
      return Array(value[0..<n])
    }
  }
}

/// Memory handed to libelf as section data, freed together when the edit is over.
private struct OwnedBuffers {
  private var pointers: [UnsafeMutableRawPointer] = []

  mutating func copy(_ bytes: [UInt8]) -> UnsafeMutableRawPointer {
    let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
    bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    pointers.append(p)
    return p
  }

  func deallocateAll() { for p in pointers { p.deallocate() } }
}

private func readFully(_ fd: Int32, into buffer: inout [UInt8], count: Int, at offset: UInt64, file: String) throws {
  var done = 0
  while done < count {
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
    if n < 0, errno == EINTR { continue }
    guard n > 0 else { throw ConversionError("\(file): cannot read: \(n == 0 ? "unexpected end of file" : errnoText())") }
    done += n
  }
}

private func writeFully(_ fd: Int32, _ buffer: [UInt8], count: Int, at offset: UInt64, file: String) throws {
  var done = 0
  while done < count {
    let n = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
    if n < 0, errno == EINTR { continue }
    guard n > 0 else { throw ConversionError("\(file): cannot write the temporary copy: \(errnoText())") }
    done += n
  }
}

private func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
  alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment
}

private func elfError() -> String { String(cString: elf_errmsg(-1)) }
