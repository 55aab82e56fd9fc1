import Encode
import Verify

#if canImport(Glibc)
  import Glibc
#endif

/// The base BTF of a module's conversion (`--btf_base`, `Conversion.base`): vmlinux's BTF, read
/// from a raw BTF file or from an ELF file's `.BTF` section, and checked as the kernel checks
/// vmlinux's BTF when it boots.
public enum BaseBTF {
  /// The base BTF at `path`: the file itself when it is raw BTF (by its magic), else the `.BTF`
  /// section of the ELF file. Throws `ConversionError` with one line naming `path` when it is
  /// neither, or when an ELF file has no `.BTF` section or an empty one (a vmlinux built
  /// without BTF): a module's BTF written without its base would be standalone, not what the
  /// caller asked for.
  public static func read(path: String) throws -> [UInt8] {
    if isRawBTF(path) { return try readFile(path, limit: maxBTFFileSize) }
    let section: [UInt8]?
    do { section = try readBTFSection(fromELF: path) } catch {
      throw ConversionError("--btf_base \(path): neither raw BTF nor an ELF file with .BTF (\(error))")
    }
    guard let btf = section, !btf.isEmpty else {
      throw ConversionError("--btf_base \(path): no .BTF section\(section == nil ? "" : " with contents") (build vmlinux with BTF first)")
    }
    return btf
  }

  /// Why the kernel would refuse `bytes` as vmlinux's BTF, in its words (the validator's
  /// `embedded` mode: `btf_parse_base`'s header, string, per-type meta and type-tag checks),
  /// or nil. A module's split BTF refers to the base's types and strings by id and offset, so
  /// a base the kernel would not have booted with gives split BTF no kernel can use.
  ///
  /// The kernel checks no more of vmlinux's BTF than this (it runs no resolve pass at boot), and
  /// it is cheap: one pass over the records, as the conversion's own reading of the base makes.
  public static func problem(_ bytes: [UInt8]) -> BTFProblem? {
    // A vmlinux of Linux 7.1 or later built with `layout` has the 32-byte header and the kind
    // layout section, which its own kernel reads: a module built against it is judged by 7.1's
    // header rules.
    if bytes.count >= 8, ByteReader(bytes: bytes).u32(4) > 24 {
      return BTFValidator.validate(bytes, mode: .embedded, limits: .linux7_1).first
    }
    return BTFValidator.validate(bytes, mode: .embedded).first
  }

  /// The file starts with BTF's magic (little-endian 0xeb9f), not ELF's.
  private static func isRawBTF(_ path: String) -> Bool {
    guard let f = fopen(path, "rb") else { return false }
    defer { fclose(f) }
    var magic: [UInt8] = [0, 0]
    return fread(&magic, 1, 2, f) == 2 && magic == [0x9f, 0xeb]
  }
}
