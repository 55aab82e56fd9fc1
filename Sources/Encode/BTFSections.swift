/// Where a raw BTF blob's type and string sections are, from its header, bounds-checked: the
/// one header reader behind the decoder and split BTF.
public struct BTFSections: Sendable {
  public var headerLength: Int
  /// Absolute byte ranges of the type and string sections in the blob.
  public var types: Range<Int>
  public var strings: Range<Int>

  /// Why `bytes` is not BTF at all (no BTF magic in either byte order), or nil: what `dump`
  /// and `verify` say before anything else, so that an ELF file is not reported as invalid BTF.
  public static func notBTF(_ bytes: [UInt8]) -> String? {
    guard bytes.count >= 2 else { return "not BTF: \(bytes.count) bytes is shorter than the BTF magic" }
    let magic = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    if magic == BTFWire.magic || magic == 0x9FEB { return nil }
    let elf =
      bytes.starts(with: [0x7f, 0x45, 0x4c, 0x46])
      ? " (an ELF file: raw BTF is its .BTF section, `objcopy -O binary --only-section=.BTF FILE OUT.btf`)" : ""
    return "not BTF: magic 0x\(String(magic, radix: 16)), expected 0xeb9f\(elf)"
  }

  public init(_ bytes: [UInt8]) throws(EncodeError) {
    let r = ByteReader(bytes: bytes)
    guard bytes.count >= 24 else {
      throw EncodeError("not BTF: \(bytes.count) bytes is shorter than the 24-byte header")
    }
    if let why = Self.notBTF(bytes) { throw EncodeError(why) }
    if r.u16(0) == 0x9FEB { throw EncodeError("BTF is big-endian (magic 0x9feb); only little-endian BTF is supported") }
    guard r.u8(2) == BTFWire.version else { throw EncodeError("unsupported BTF version \(r.u8(2))") }
    let hdrLen = Int(r.u32(4))
    guard hdrLen >= 24, hdrLen <= bytes.count else {
      throw EncodeError("bad BTF header: hdr_len \(hdrLen) with a blob of \(bytes.count) bytes")
    }
    let typeOff = Int(r.u32(8))
    let typeLen = Int(r.u32(12))
    let strOff = Int(r.u32(16))
    let strLen = Int(r.u32(20))
    let body = bytes.count - hdrLen
    guard typeOff <= body, typeLen <= body - typeOff else {
      throw EncodeError("bad BTF header: type section \(typeOff)+\(typeLen) exceeds the \(body) bytes after the header")
    }
    guard strOff <= body, strLen <= body - strOff else {
      throw EncodeError("bad BTF header: string section \(strOff)+\(strLen) exceeds the \(body) bytes after the header")
    }
    headerLength = hdrLen
    types = hdrLen + typeOff..<hdrLen + typeOff + typeLen
    strings = hdrLen + strOff..<hdrLen + strOff + strLen
  }
}
