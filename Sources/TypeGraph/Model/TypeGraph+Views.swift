/// Typed reads of the `aux` column, whose meaning depends on the node's kind (the table on
/// `TypeGraph`): passes ask for an INT's encoding, a FUNC's linkage or an array's length by name
/// instead of decoding bits. Each returns nil for a node of another kind.
extension TypeGraph {
  /// Linkage of a FUNC or VAR (BTF's `btf_func_linkage` / `btf_var_linkage`).
  public enum Linkage: UInt32, Sendable {
    case `static` = 0
    case global = 1
    case external = 2
  }

  /// A FUNC's or VAR's linkage; nil for other kinds.
  public func linkage(_ id: TypeID) -> Linkage? {
    switch kind(id) {
    case .function, .variable: Linkage(rawValue: aux(id))
    default: nil
    }
  }

  /// An INT's BTF int word, decoded.
  public struct IntEncoding: Hashable, Sendable {
    public var isSigned: Bool
    public var isChar: Bool
    public var isBool: Bool
    /// Bit offset of the value within the INT (BTF_INT_OFFSET; 0 in what rustbtf writes).
    public var offset: UInt32
    /// Bits the value has (BTF_INT_BITS).
    public var bits: UInt32

    /// The aux word it is stored as: encoding<<24 | offset<<16 | bits.
    public var word: UInt32 {
      let encoding: UInt32 = (isSigned ? 1 : 0) | (isChar ? 2 : 0) | (isBool ? 4 : 0)
      return encoding << 24 | (offset & 0xff) << 16 | (bits & 0xff)
    }

    public init(isSigned: Bool = false, isChar: Bool = false, isBool: Bool = false, offset: UInt32 = 0, bits: UInt32) {
      self.isSigned = isSigned
      self.isChar = isChar
      self.isBool = isBool
      self.offset = offset
      self.bits = bits
    }

    /// `bits_offset=0 nr_bits=32 encoding=SIGNED`: an int word as the kernel's verifier log and
    /// bpftool print it (an encoding other than one of the three flags is `UNKN`).
    public static func logText(_ word: UInt32) -> String {
      let encoding: String
      switch (word >> 24) & 0x0f {
      case 0: encoding = "(none)"
      case 1: encoding = "SIGNED"
      case 2: encoding = "CHAR"
      case 4: encoding = "BOOL"
      default: encoding = "UNKN"
      }
      return "bits_offset=\((word >> 16) & 0xff) nr_bits=\(word & 0xff) encoding=\(encoding)"
    }

    public init(word: UInt32) {
      let encoding = word >> 24
      self.init(
        isSigned: encoding & 1 != 0, isChar: encoding & 2 != 0, isBool: encoding & 4 != 0,
        offset: (word >> 16) & 0xff, bits: word & 0xff)
    }
  }

  /// An INT's encoding; nil for other kinds.
  public func intEncoding(_ id: TypeID) -> IntEncoding? {
    kind(id) == .int ? IntEncoding(word: aux(id)) : nil
  }

  /// An ARRAY's element count; nil for other kinds.
  public func arrayLength(_ id: TypeID) -> UInt32? {
    kind(id) == .array ? aux(id) : nil
  }

  /// Whether a FORWARD declares a union (else a struct); nil for other kinds.
  public func forwardIsUnion(_ id: TypeID) -> Bool? {
    kind(id) == .forward ? aux(id) == 1 : nil
  }

  /// The component a DECL_TAG is about: nil for the node itself (-1), else the member or
  /// parameter index; nil for other kinds too (check the kind first when that matters).
  public func declTagComponent(_ id: TypeID) -> Int? {
    guard kind(id) == .declTag else { return nil }
    let c = Int32(bitPattern: aux(id))
    return c < 0 ? nil : Int(c)
  }
}
