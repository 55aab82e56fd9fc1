import TypeGraph

// The reasons `demote-unrepresentable` records: the one place each becomes the sentence `--explain`,
// `--explain-pruned`, the JSON outputs and `--stats` print. The sentences are stable (goldens,
// tools and `--stats` read them); change one only on purpose.
extension DemoteUnrepresentable {
  /// Why `demote-unrepresentable` decided what it did.
  public enum Reason: WordedReason {
    /// A DWARF construct with no BTF kind (`DW_TAG_variant_part`): the node became void.
    case noBTFKind(tag: UInt16)
    /// A C++/Rust reference type, written as a pointer (same layout).
    case referenceMappedToPointer(tag: UInt16)
    case atomicMappedToVolatile
    case immutableMappedToConst
    case zeroSizedBaseTypeMappedToStruct
    /// An enumeration of a size BTF enums cannot have (`#[repr(u128)]`), written as an INT.
    case wideEnumMappedToInt(bytes: UInt32)
  }
}

extension DemoteUnrepresentable.Reason {
  public var pieces: [ReasonPiece] {
    switch self {
    case .noBTFKind(let tag): return [.text("\(DWARFTag.name(tag)) has no BTF kind")]
    case .referenceMappedToPointer(let tag): return [.text("\(DWARFTag.name(tag)) mapped to PTR")]
    case .atomicMappedToVolatile: return [.text("DW_TAG_atomic_type mapped to VOLATILE (BTF has no atomic qualifier)")]
    case .immutableMappedToConst: return [.text("DW_TAG_immutable_type mapped to CONST")]
    case .zeroSizedBaseTypeMappedToStruct:
      return [.text("zero-sized base type mapped to an empty STRUCT (a 0-byte INT cannot be an array element)")]
    case .wideEnumMappedToInt(let s):
      return [.text("enumeration of \(s) bytes mapped to a \(s)-byte INT (BTF enums are 1, 2, 4 or 8 bytes)")]
    }
  }
}
