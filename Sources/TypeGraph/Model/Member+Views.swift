/// Typed reads of a `Member`, whose `value` and `bits` mean what the owner's kind says (the
/// table on `TypeGraph`): a bit offset and bitfield width, an enumerator's value, or a variant
/// part entry's discriminant value and flags. Read the view for the owner's kind, so that no
/// pass decodes `value` itself.
extension Member {
  /// A STRUCT or UNION member's (or a variant's field's) place in its owner.
  public var bitField: BitField { BitField(offset: value, width: bits) }

  /// An ENUM or ENUM64 enumerator's value, as a bit pattern (signed when the enum is `.signed`).
  public var enumeratorValue: UInt64 { value }

  /// A variant part entry's flags: whether it is the discriminant, whether it has a value.
  public var variantFlags: VariantFlags { VariantFlags(rawValue: bits) }

  /// A variant part entry's discriminant value (`DW_AT_discr_value`, the low 64 bits when
  /// `variantFlags` has `.wideDiscriminantValue`); for the discriminant entry, its bit offset.
  public var discriminantValue: UInt64 { value }
}

/// Where a struct or union member lies: its bit offset and, for a bitfield, its width.
public struct BitField: Hashable, Sendable {
  /// Bits from the start of the owner.
  public var offset: UInt64
  /// Width in bits when the member is a bitfield; 0 when it spans its whole type.
  public var width: UInt32

  public init(offset: UInt64, width: UInt32 = 0) {
    self.offset = offset
    self.width = width
  }

  public var isBitfield: Bool { width != 0 }
  /// The byte the member starts in.
  public var byteOffset: UInt64 { offset / 8 }
  public var isByteAligned: Bool { offset % 8 == 0 }
  /// Bits it spans, given its type's byte size (a bitfield spans its width).
  public func bits(typeBytes: UInt64) -> UInt64 { width != 0 ? UInt64(width) : typeBytes * 8 }
  /// The bit just past its end.
  public func end(typeBytes: UInt64) -> UInt64 { offset + bits(typeBytes: typeBytes) }
}

extension TypeGraph {
  /// Member `index` of `owner` as a bit field; nil unless `owner` is a STRUCT or UNION.
  public func bitField(of owner: TypeID, at index: Int) -> BitField? {
    guard kind(owner) == .structure || kind(owner) == .union, index >= 0, index < memberCount(owner) else { return nil }
    return member(at: memberRange(owner).lowerBound + index).bitField
  }
}
