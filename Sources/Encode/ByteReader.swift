/// Little-endian reads from a BTF blob: the one byte reader of the decoder, the section reader
/// and the kernel checker. Reads are bounds-checked by the array (callers check lengths first).
public struct ByteReader: Sendable {
  public let bytes: [UInt8]
  @inlinable public init(bytes: [UInt8]) { self.bytes = bytes }
  @inlinable @inline(__always) public func u8(_ at: Int) -> UInt8 { bytes[at] }
  @inlinable @inline(__always) public func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
  @inlinable @inline(__always) public func u32(_ at: Int) -> UInt32 {
    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
  }
}
