import TypeGraph

/// Wire constants of `uapi/linux/btf.h`, shared by the encoder and the decoder.
public enum BTFWire {
  public static let magic: UInt16 = 0xEB9F
  public static let version: UInt8 = 1
  public static let headerLength: UInt32 = 24
  /// The kernel's `BTF_MAX_TYPE`: type ids (void included) stay below it.
  public static let maxTypeID: UInt32 = 0x000f_ffff
  /// The kernel's `BTF_MAX_NAME_OFFSET`.
  public static let maxNameOffset: UInt32 = 0x00ff_ffff
  public static let maxVlen: Int = 0xffff
}

/// An encoding failure: one line naming the node and what to do about it.
public struct EncodeError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// A growing little-endian byte buffer.
struct ByteWriter {
  var bytes: [UInt8] = []
  @inline(__always) mutating func u32(_ v: UInt32) {
    bytes.append(UInt8(truncatingIfNeeded: v))
    bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    bytes.append(UInt8(truncatingIfNeeded: v >> 16))
    bytes.append(UInt8(truncatingIfNeeded: v >> 24))
  }
  @inline(__always) mutating func u16(_ v: UInt16) {
    bytes.append(UInt8(truncatingIfNeeded: v))
    bytes.append(UInt8(truncatingIfNeeded: v >> 8))
  }
  @inline(__always) mutating func u8(_ v: UInt8) { bytes.append(v) }
}
