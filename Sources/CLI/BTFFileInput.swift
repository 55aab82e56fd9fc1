import RustBTF

#if canImport(Glibc)
  import Glibc
#endif

/// What `dump` and `verify` read from FILE: a raw BTF file as it is, or the `.BTF` section of
/// an ELF file (a vmlinux, a module, what `-J` wrote), read directly: `objcopy -O binary
/// --only-section=.BTF` writes nothing for the non-allocated section `-J` adds.
func readBTFFile(_ path: String) throws -> [UInt8] {
  guard startsWithELFMagic(path) else { return try readFile(try LibraryPath.of(path), limit: maxBTFFileSize) }
  guard let section = try readBTFSection(fromELF: path) else {
    throw ConversionError("\(path): an ELF file with no .BTF section (convert it: rustbtf \(path) -o OUT.btf)")
  }
  guard !section.isEmpty else { throw ConversionError("\(path): the ELF file's .BTF section is empty") }
  return section
}

/// The file starts with ELF's magic (0x7f 'E' 'L' 'F'); false when it cannot be read (the
/// reading that follows says why).
private func startsWithELFMagic(_ path: String) -> Bool {
  guard let f = FileName.withCString(path, { fopen($0, "rb") }) else { return false }
  defer { fclose(f) }
  var magic: [UInt8] = [0, 0, 0, 0]
  return fread(&magic, 1, 4, f) == 4 && magic == [0x7f, 0x45, 0x4c, 0x46]
}
