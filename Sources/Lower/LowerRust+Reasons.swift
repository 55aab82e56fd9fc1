import TypeGraph

// The reasons `lower-rust` records: the one place each becomes the sentence `--explain`,
// `--explain-pruned`, the JSON outputs and `--stats` print. The sentences are stable (goldens,
// tools and `--stats` read them); change one only on purpose.
extension LowerRust {
  /// Why `lower-rust` decided what it did.
  public enum Reason: WordedReason {
    case dataCarryingEnum(LoweredEnum)
    case variantStructNamedAfterEnum(enumName: String)
    /// A variant part or variant node, pruned once its enum holds its variants.
    case foldedIntoEnum
    case unsizedTail(member: String, structBytes: UInt64)
    case repeatedMember(member: String)
    case rustBaseTypeAsTypedef(bytes: UInt32, encoding: BaseEncoding, cName: String)
  }
}

extension LowerRust.Reason {
  /// How a Rust base type's C counterpart is encoded.
  public enum BaseEncoding: Hashable, Sendable {
    case unsignedInt, signedInt, boolInt, float
  }

  /// What `lower-rust` made of a data-carrying enum; the values of every variant are in it, so
  /// `--explain` documents what BTF cannot hold.
  public struct LoweredEnum: Hashable, Sendable {
    public enum DiscriminantType: Hashable, Sendable {
      /// An ENUM (ENUM64 above 4 bytes) of the variants' values.
      case enumeration(bytes: UInt32)
      /// Its own integer: too wide for a BTF enum.
      case integerTooWide(bytes: UInt32)
      /// Its own integer: no variant has a value that fits an enum.
      case integerWithoutValues(bytes: UInt32)
      /// Its own type, not an integer (`kind`: the BTF kind's name).
      case ownType(kind: String)
    }
    public struct Discriminant: Hashable, Sendable {
      public var name: String
      public var byte: UInt64
      public var type: DiscriminantType
      public init(name: String, byte: UInt64, type: DiscriminantType) {
        self.name = name
        self.byte = byte
        self.type = type
      }
    }
    public enum Value: Hashable, Sendable {
      /// A default variant (no `DW_AT_discr_value`): any other value.
      case anyOther
      case value(UInt64)
      /// A value wider than 64 bits, as the importer kept it (hex text).
      case wide(String)
    }
    public struct Variant: Hashable, Sendable {
      public var name: String
      public var value: Value
      public init(name: String, value: Value) {
        self.name = name
        self.value = value
      }
    }
    /// A variant's field not at offset 0 (which no union member can place), by byte offset.
    public struct DroppedField: Hashable, Sendable {
      public var name: String
      public var byte: UInt64
      public init(name: String, byte: UInt64) {
        self.name = name
        self.byte = byte
      }
    }
    /// Nil without `DW_AT_discr`.
    public var discriminant: Discriminant?
    public var variants: [Variant]
    public var dropped: [DroppedField]
    public init(discriminant: Discriminant?, variants: [Variant], dropped: [DroppedField]) {
      self.discriminant = discriminant
      self.variants = variants
      self.dropped = dropped
    }
  }

  public var pieces: [ReasonPiece] {
    switch self {
    case .dataCarryingEnum(let e): return e.pieces
    case .variantStructNamedAfterEnum(let e): return [.text("variant struct of "), .code(e), .text(", named after its enum")]
    case .foldedIntoEnum: return [.text("a variant part or variant of a data-carrying enum, now members of the enum's union")]
    case .unsizedTail(let m, let bytes):
      return [
        .text("member "), .name(m),
        .text(" starts at the end of the \(bytes)-byte struct: an unsized tail, kept as a zero-length array of its element type"),
      ]
    case .repeatedMember(let m):
      return [.text("member "), .name(m), .text(" repeats an earlier member (same name, type and offset); the copy is dropped")]
    case .rustBaseTypeAsTypedef(let bytes, let encoding, let cName):
      let what: String
      switch encoding {
      case .float: what = "FLOAT"
      case .boolInt: what = "BOOL INT"
      case .signedInt: what = "signed INT"
      case .unsignedInt: what = "unsigned INT"
      }
      return [
        .text("Rust base type made a TYPEDEF of the \(bytes)-byte \(what) "), .name(cName),
        .text(", since C tools read INT and FLOAT names as C types"),
      ]
    }
  }
}

extension LowerRust.Reason.LoweredEnum {
  /// `data-carrying enum: discriminant 'discriminant' at byte 0, a 1-byte ENUM; variants A = 3,
  /// B = 7 as members of an anonymous union`.
  var pieces: [ReasonPiece] {
    var out: [ReasonPiece] = [.text("data-carrying enum: ")]
    if let d = discriminant {
      let type: String
      switch d.type {
      case .enumeration(let bytes): type = "a \(bytes)-byte \(bytes <= 4 ? "ENUM" : "ENUM64")"
      case .integerTooWide(let bytes): type = "a \(bytes)-byte integer (too wide for an ENUM)"
      case .integerWithoutValues(let bytes): type = "a \(bytes)-byte integer (no variant has a value for an ENUM)"
      case .ownType(let kind): type = "its own type (\(kind))"
      }
      out += [.text("discriminant "), .quoted(d.name, "'"), .text(" at byte \(d.byte), \(type)")]
    } else {
      out.append(.text("no discriminant (DW_TAG_variant_part without DW_AT_discr)"))
    }
    if variants.isEmpty {
      out.append(.text("; no variants (uninhabited)"))
    } else {
      let values = variants.map { v in
        switch v.value {
        case .anyOther: "\(v.name) = any other value"
        case .value(let n): "\(v.name) = \(n)"
        case .wide(let text): "\(v.name) = \(text)"
        }
      }
      out.append(.text("; variants " + values.joined(separator: ", ") + " as members of an anonymous union"))
    }
    if !dropped.isEmpty {
      out.append(.text("; variant members not at offset 0 dropped: " + dropped.map { "\($0.name)@\($0.byte)" }.joined(separator: ", ")))
    }
    return out
  }
}
