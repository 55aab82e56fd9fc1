/// What a node is. Raw values of the BTF kinds are the kinds' numbers in `uapi/linux/btf.h`, so
/// the encoder writes `rawValue` as is.
///
/// Three kinds exist only in the graph, never on the wire:
/// - `unrepresentable`: a DWARF construct BTF has no kind for (variant parts and variants,
///   C++ references, unspecified types, base types wider than 128 bits, pointers to members…).
///   The node keeps its DWARF tag in `TypeGraph.dwarfTag(of:)`. `demote-unrepresentable` turns
///   every one of them into `void`; the encoder refuses a graph that still has one.
/// - `void`: a node that stands for void (a demoted node). References to it encode as type 0;
///   its `size` keeps the byte size it had, so that `prune-dependents` can put an opaque
///   placeholder of the same size where void is not allowed.
/// - `removed`: a node that is not written, with one of two meanings:
///   - in the module's own nodes, a tombstone (`TypeGraph.remove`): nothing may reference it
///     (`verify()` checks);
///   - in a split base's node range (`SplitBase`), a base type not decoded (yet): other base
///     nodes may refer to it, no module node does; `LazySplitBase.decode` fills it in.
public enum Kind: UInt8, Sendable, CaseIterable {
  case int = 1
  case pointer = 2
  case array = 3
  case structure = 4
  case union = 5
  case enumeration = 6
  case forward = 7
  case typedef = 8
  case volatile = 9
  case const = 10
  case restrict = 11
  case function = 12
  case functionProto = 13
  case variable = 14
  case dataSection = 15
  case float = 16
  case declTag = 17
  case typeTag = 18
  case enum64 = 19
  case unrepresentable = 100
  case void = 101
  case removed = 102

  // Each kind's BTF name, reference slot, members, name rule and wire layout: its row in
  // `KindInfo` (KindTable.swift).

  /// Kinds that are real BTF kinds and may reach the encoder.
  @inlinable public var isBTF: Bool { rawValue < Kind.btfKindCount }

  /// BTF's kind numbers run from 0 (UNKN, no kind) to this, exclusive: libbpf's
  /// `NR_BTF_KINDS`, what the wire readers and the kind layout section count to.
  @inlinable public static var btfKindCount: UInt8 { 20 }

  /// The kind of BTF kind number `n`, which must be a BTF kind's (1 ..< `btfKindCount`),
  /// without the switch `init(rawValue:)` compiles to: the BTF kinds are declared first, in
  /// number order, so a kind's case index is its number less one (`KindTests` checks every
  /// number). The decoder and the kernel checker convert every record's kind; in the checker
  /// `init(rawValue:)` took a third of the time.
  @inlinable @inline(__always) public static func btf(_ n: UInt8) -> Kind {
    unsafeBitCast(n &- 1, to: Kind.self)
  }
}

/// Per-node flags from DWARF that passes need.
public struct NodeFlags: OptionSet, Sendable, Hashable {
  public var rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// `DW_AT_declaration`: a forward declaration or a method declaration.
  public static let declaration = NodeFlags(rawValue: 1 << 0)
  /// `DW_AT_external` on a function or variable.
  public static let external = NodeFlags(rawValue: 1 << 1)
  /// The node came from a Rust compile unit.
  public static let rust = NodeFlags(rawValue: 1 << 2)
  /// Created by the importer or a pass rather than read from one DIE.
  public static let synthesized = NodeFlags(rawValue: 1 << 3)
  /// `DW_AT_artificial`.
  public static let artificial = NodeFlags(rawValue: 1 << 4)
  /// Enumeration whose enumerators are signed (`DW_ATE_signed*` underlying type, or negative values).
  public static let signed = NodeFlags(rawValue: 1 << 5)
  /// `DW_AT_prototyped` subroutine type (C); Rust subroutine types are always prototyped.
  public static let prototyped = NodeFlags(rawValue: 1 << 6)
  /// The name is the node's ELF symbol (`select-symbols` named a Rust FUNC or a VAR after its
  /// symbol): `sanitize-names` makes it valid but never qualifies it by its namespace path, which
  /// stays in `scopes` for explanations and `--tag-original-names`.
  public static let symbolName = NodeFlags(rawValue: 1 << 7)
}

/// Flags of a member entry (the `bits` column of a variant part's entries, see `Member`).
public struct VariantFlags: OptionSet, Sendable, Hashable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// This entry of a variant part is the discriminant member (`DW_AT_discr`).
  public static let discriminant = VariantFlags(rawValue: 1 << 0)
  /// The variant has a `DW_AT_discr_value` (in `Member.value`); without it, it is the default.
  public static let hasDiscriminantValue = VariantFlags(rawValue: 1 << 1)
  /// The discriminant value did not fit 64 bits (u128 discriminants); `value` holds the low 64
  /// bits and the entry's `name` the whole value as `0x…` hex.
  public static let wideDiscriminantValue = VariantFlags(rawValue: 1 << 2)
}
