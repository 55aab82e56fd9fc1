internal import CDwarf

/// The kernel's kfunc sets, read from `.BTF_ids` as pahole's `btf_encoder__collect_kfuncs`
/// reads them, into `ELFSymbols.kfuncNames`/`kfuncFlags` (the `tag-kfuncs` pass tags the FUNCs).
///
/// The kernel's `include/linux/btf_ids.h` lays a kfunc set out in `.BTF_ids` as a
/// `struct btf_id_set8`: the symbol `__BTF_ID__set8__<set>` of size 8 + 8·n covers a header
/// `{u32 cnt; u32 flags}` (flags `BTF_SET8_KFUNCS` for a kfunc set) and n pairs `{u32 id; u32
/// flags}`, each pair at a symbol `__BTF_ID__func__<kfunc>__<counter>`. A function symbol inside
/// a kfunc set's [st_value, st_value + st_size) names a kfunc; its pair's flags word gives its
/// flags (`KF_FASTCALL`, `KF_ARENA_*`).
///
/// The ids are filled in after linking (resolve_btfids); the flags are assembler constants, so
/// a relocatable object's `.BTF_ids` reads the same with no relocation applied (st_value is the
/// offset in the section there): a kernel module (`.ko`, relocatable) has its kfunc sets read
/// as a vmlinux has.
struct KfuncSets {
  /// `BTF_SET8_KFUNCS`.
  static let setIsKfuncs: UInt32 = 1 << 0
  static let setPrefix = Array("__BTF_ID__set8__".utf8)
  static let funcPrefix = Array("__BTF_ID__func__".utf8)

  /// Section index of `.BTF_ids`, its `sh_addr` and size; nil when the file has none.
  let sectionIndex: Int
  let sectionAddress: UInt64
  private var sets: [(offset: UInt64, size: UInt64)] = []
  private var entries: [(offset: UInt64, name: [UInt8])] = []

  init?(elf: OpaquePointer?) {
    var index = 0
    var address: UInt64 = 0
    var size: UInt64 = 0
    guard rb_section_by_name(elf, ".BTF_ids", &index, &address, &size), index > 0 else { return nil }
    sectionIndex = index
    sectionAddress = address
  }

  /// Looks at one symbol of the table; `offset` is its offset in `.BTF_ids`. Only symbols of
  /// that section come here.
  mutating func note(name: UnsafePointer<CChar>, offset: UInt64, size: UInt64) {
    if Self.hasPrefix(name, Self.setPrefix) {
      sets.append((offset, size))
    } else if let kfunc = Self.functionName(name) {
      entries.append((offset, kfunc))
    }
  }

  /// Reads the set headers and the pairs from the section's bytes and records the kfuncs in
  /// `table` (in symbol-table order, as pahole assigns them).
  func finish(elf: OpaquePointer?, strings: inout StringTable, into table: inout ELFSymbols) {
    var ehdr = GElf_Ehdr()
    guard !sets.isEmpty, !entries.isEmpty, gelf_getehdr(elf, &ehdr) != nil, let scn = elf_getscn(elf, sectionIndex),
      let data = elf_rawdata(scn, nil), let base = data.pointee.d_buf
    else { return }
    // The words are in the file's byte order (the section is PROGBITS: libelf converts nothing).
    let bigEndian = Int32(ehdr.e_ident.5) == ELFDATA2MSB
    let bytes = UnsafeRawBufferPointer(start: base, count: data.pointee.d_size)
    func word(_ offset: UInt64) -> UInt32? {
      guard offset <= UInt64(bytes.count), UInt64(bytes.count) - offset >= 4 else { return nil }
      let o = Int(offset)
      let b0 = UInt32(bytes[o])
      let b1 = UInt32(bytes[o + 1])
      let b2 = UInt32(bytes[o + 2])
      let b3 = UInt32(bytes[o + 3])
      return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b3 << 24 | b2 << 16 | b1 << 8 | b0
    }
    // A set whose header lies outside the section is skipped (pahole: "out of bounds").
    let kfuncSets = sets.filter { s in word(s.offset &+ 4).map { $0 & Self.setIsKfuncs != 0 } ?? false }
    table.kfuncSetCount = kfuncSets.count
    guard !kfuncSets.isEmpty else { return }
    for e in entries {
      guard kfuncSets.contains(where: { e.offset >= $0.offset && e.offset - $0.offset < $0.size }),
        let flags = word(e.offset &+ 4)
      else { continue }
      let name = e.name.withUnsafeBytes { strings.intern($0) }
      table.addKfunc(name: name, flags: flags)
    }
    table.finishKfuncs()
  }

  static func hasPrefix(_ name: UnsafePointer<CChar>, _ prefix: [UInt8]) -> Bool {
    for (k, c) in prefix.enumerated() where UInt8(bitPattern: name[k]) != c { return false }
    return true
  }

  /// `vfs_close` of `__BTF_ID__func__vfs_close__1`: pahole's `get_func_name` (the prefix off,
  /// then everything from the last `__` before a final run without `_`); nil when the symbol is
  /// not one or is malformed.
  static func functionName(_ name: UnsafePointer<CChar>) -> [UInt8]? {
    guard hasPrefix(name, funcPrefix) else { return nil }
    var rest: [UInt8] = []
    var k = funcPrefix.count
    while name[k] != 0 {
      rest.append(UInt8(bitPattern: name[k]))
      k += 1
    }
    let underscore = UInt8(ascii: "_")
    // pahole requires a "__" somewhere, then cuts at the last "_" if the byte before it is "_".
    guard rest.count >= 2, zip(rest, rest.dropFirst()).contains(where: { $0 == underscore && $1 == underscore }),
      let last = rest.lastIndex(of: underscore), last > 0, rest[last - 1] == underscore
    else { return nil }
    return Array(rest[..<(last - 1)])
  }
}
