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

  @inline(__always) static func info(kind: UInt8, vlen: UInt32, kindFlag: Bool) -> UInt32 {
    (kindFlag ? 1 << 31 : 0) | UInt32(kind) << 24 | (vlen & 0xffff)
  }
}

/// What follows a kind's 12-byte `struct btf_type` on the wire (`uapi/linux/btf.h`): a fixed
/// part and one entry per vlen. The one description the decoder and the kernel checker read
/// record lengths from.
extension Kind {
  /// INT's int word, VAR's linkage, DECL_TAG's component index (4); ARRAY's `btf_array` (12).
  public var wireFixedBytes: Int {
    switch self {
    case .int, .variable, .declTag: 4
    case .array: 12
    default: 0
    }
  }

  /// `btf_member`, `btf_var_secinfo`, `btf_enum64` (12); `btf_enum`, `btf_param` (8).
  public var wireEntryBytes: Int {
    switch self {
    case .structure, .union, .dataSection, .enum64: 12
    case .enumeration, .functionProto: 8
    default: 0
    }
  }

  /// The bytes a record of this kind with `vlen` entries takes after its 12-byte header.
  public func wireTrailingBytes(vlen: Int) -> Int { wireFixedBytes + vlen * wireEntryBytes }
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
