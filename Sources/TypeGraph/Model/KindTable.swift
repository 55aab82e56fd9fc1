/// The one per-kind table (libbpf's `btf_field_desc`, the kernel's `kind_ops` rows): for each
/// `Kind`, what its columns mean, which slots are references, what its name may be and how its
/// record is laid out on the wire. The reference walkers (`forEachReference`,
/// `referenceCount`, `reference(of:at:)`, `rewriteReferences`), the name walker
/// (`forEachName`), the typed constructors (`addInt`, `addArray`, …), the BTF decoder's and
/// the kernel checker's record lengths (`wireFixedBytes`, `wireEntryBytes`) and libbpf's field
/// iterator over raw records (`WireFields`) all read it; none of them lists kinds itself.
///
/// Adding a BTF kind: its `case` in `Kind` (and `Kind.btfKindCount` past the last number), its
/// row here; then one `case` per concern that writes per-kind code, each an exhaustive
/// `switch` the compiler points at: the encoder's record writer (`BTFEncoder.encodeNode`), the
/// dump's text (`TypeGraph.dump`), the checker's row (`KernelChecker.kindOps`, with the
/// kernel's functions for it), and a typed constructor (`TypeGraph+Constructors.swift`). The
/// reference and name walkers, `byteSize(of:)`, the decoder, libbpf's field iterator
/// (`WireFields`), the kind layout section, `LazySplitBase`'s checks and the anonymous key
/// (`AnonymousKey.of`) and sanitize-names' name rules follow the row.
///
/// The rows are a `switch`, not an array: inlined, a question about one field folds to a bit
/// test, with no global to initialize and no bounds check in the walkers' hot loops.
public struct KindInfo: Sendable {
  /// The bpftool name (`STRUCT`, `FUNC_PROTO`…), or the graph-only name.
  public var btfName: StaticString
  /// What the `ref` column holds: nothing, or a reference slot with this role.
  public var ref: ReferenceRole
  /// An array's index type: a reference slot held by the graph (`arrayIndexTypeID`), not the
  /// node; walked by `forEachReference`, not rewritten per node.
  public var indexSlot: Bool
  /// What the node's member list holds.
  public var members: MemberRole
  /// What the node's own name may be (the kernel's `check_meta` rule).
  public var name: NameRule
  /// What the `size` column holds.
  public var size: SizeRole
  /// What the `aux` column holds.
  public var aux: AuxRole
  /// Bytes after the 12-byte `struct btf_type` once (INT's int word, ARRAY's `btf_array`…).
  public var wireFixedBytes: Int
  /// Bytes per vlen entry (`btf_member`, `btf_enum`, `btf_param`…).
  public var wireEntryBytes: Int
  /// The record's third word is a type id (libbpf's `btf_type.type`), not a size. FWD's is
  /// (always 0), as libbpf's field iterator has it, though the graph keeps no reference.
  public var wireTypeWord: Bool
  /// How many of the fixed words after the header are type ids (ARRAY: element, index).
  public var wireFixedTypeWords: Int

  @inlinable init(
    btfName: StaticString, ref: ReferenceRole, indexSlot: Bool, members: MemberRole, name: NameRule, size: SizeRole,
    aux: AuxRole, wireFixedBytes: Int, wireEntryBytes: Int, wireTypeWord: Bool, wireFixedTypeWords: Int
  ) {
    self.btfName = btfName
    self.ref = ref
    self.indexSlot = indexSlot
    self.members = members
    self.name = name
    self.size = size
    self.aux = aux
    self.wireFixedBytes = wireFixedBytes
    self.wireEntryBytes = wireEntryBytes
    self.wireTypeWord = wireTypeWord
    self.wireFixedTypeWords = wireFixedTypeWords
  }

  /// What a node's `ref` column refers to, as messages name it.
  public enum ReferenceRole: UInt8, Sendable {
    case none, target, elementType, prototype, returnType, type
    public var text: String {
      switch self {
      case .none: ""
      case .target: "target"
      case .elementType: "element type"
      case .prototype: "prototype"
      case .returnType: "return type"
      case .type: "type"
      }
    }
  }

  /// What a node's members are (the `Member` fields each uses is on `TypeGraph`'s table).
  public enum MemberRole: UInt8, Sendable {
    /// No member list.
    case none
    /// STRUCT, UNION: name, type, value = bit offset, bits = bitfield size.
    case fields
    /// ENUM, ENUM64: name, value.
    case enumerators
    /// FUNC_PROTO: name, type (void last: varargs).
    case parameters
    /// DATASEC: type = a VAR, value = offset, bits = size.
    case entries
    /// An unrepresentable node's entries (variant parts: name, type, value, bits).
    case variantEntries

    /// Each member's `type` is a reference slot.
    @inlinable public var typesAreReferences: Bool {
      switch self {
      case .fields, .parameters, .entries, .variantEntries: true
      case .none, .enumerators: false
      }
    }
    /// Each member's `name` is a string (written to the string section when the kind is BTF).
    @inlinable public var hasNames: Bool {
      switch self {
      case .fields, .enumerators, .parameters, .variantEntries: true
      case .none, .entries: false
      }
    }
    /// Each member's `value` is part of its label (a bit offset, an enumerator's value, an offset).
    @inlinable public var hasValues: Bool {
      switch self {
      case .fields, .enumerators, .entries, .variantEntries: true
      case .none, .parameters: false
      }
    }
    /// Where an entry's type id is in its wire entry (`btf_member`, `btf_param`: after the
    /// name; `btf_var_secinfo`: first).
    public var wireTypeOffset: Int { self == .entries ? 0 : 4 }
    /// What one member is called in messages.
    public var noun: String {
      switch self {
      case .none: ""
      case .fields: "member"
      case .enumerators: "enumerator"
      case .parameters: "parameter"
      case .entries: "entry"
      case .variantEntries: "entry"
      }
    }
  }

  /// What the kernel's `check_meta` accepts as a node's own name.
  public enum NameRule: UInt8, Sendable {
    /// Not checked (INT, FLOAT; graph-only kinds).
    case any
    /// None (PTR, modifiers, ARRAY, FUNC_PROTO).
    case forbidden
    /// Empty or an identifier (STRUCT, UNION, ENUM, ENUM64).
    case optionalIdentifier
    /// An identifier (TYPEDEF, FWD, FUNC, VAR).
    case identifier
    /// A non-empty string of any bytes: a tag's value (TYPE_TAG, DECL_TAG).
    case value
    /// A non-empty printable section name (DATASEC).
    case section
  }

  /// What the `size` column holds, and what size a value of the kind has (`byteSize(of:)`).
  public enum SizeRole: UInt8, Sendable {
    /// Nothing (0); the kind has no size (FWD, FUNC, VAR…) or its target's (modifiers).
    case none
    /// The byte size, written as the record's `size` word (the kernel's `btf_type_has_size`).
    case bytes
    /// Nothing (0); a value is a pointer, 8 bytes.
    case pointer
    /// Nothing (0); a value is `aux` elements of the `ref` type.
    case elements
    /// The byte size when known (0: unknown), never written (unrepresentable).
    case bytesIfKnown
    /// A byte size the graph keeps for passes, never written; a value has none (void: the
    /// size a demoted node had, for `prune-dependents`' placeholders).
    case graphOnly
  }

  /// What the `aux` column holds.
  public enum AuxRole: UInt8, Sendable {
    case none
    /// INT: encoding<<24 | offset<<16 | bits.
    case intWord
    /// ARRAY: element count.
    case elementCount
    /// FWD: 1 for a union, 0 for a struct (kind_flag).
    case forwardKind
    /// FUNC, VAR: `TypeGraph.Linkage`.
    case linkage
    /// DECL_TAG: component index (Int32 bit pattern, -1 the node itself).
    case componentIndex
    /// TYPE_TAG: 1 for a type attribute (kind_flag).
    case attribute
  }
}

extension Kind {
  /// The kind's row of the table.
  @inlinable @inline(__always) public var info: KindInfo {
    switch self {
    case .int:
      KindInfo(
        btfName: "INT", ref: .none, indexSlot: false, members: .none, name: .any, size: .bytes, aux: .intWord,
        wireFixedBytes: 4, wireEntryBytes: 0, wireTypeWord: false, wireFixedTypeWords: 0)
    case .pointer:
      KindInfo(
        btfName: "PTR", ref: .target, indexSlot: false, members: .none, name: .forbidden, size: .pointer, aux: .none,
        wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .array:
      KindInfo(
        btfName: "ARRAY", ref: .elementType, indexSlot: true, members: .none, name: .forbidden, size: .elements,
        aux: .elementCount, wireFixedBytes: 12, wireEntryBytes: 0, wireTypeWord: false, wireFixedTypeWords: 2)
    case .structure:
      KindInfo(
        btfName: "STRUCT", ref: .none, indexSlot: false, members: .fields, name: .optionalIdentifier, size: .bytes,
        aux: .none, wireFixedBytes: 0, wireEntryBytes: 12, wireTypeWord: false, wireFixedTypeWords: 0)
    case .union:
      KindInfo(
        btfName: "UNION", ref: .none, indexSlot: false, members: .fields, name: .optionalIdentifier, size: .bytes,
        aux: .none, wireFixedBytes: 0, wireEntryBytes: 12, wireTypeWord: false, wireFixedTypeWords: 0)
    case .enumeration:
      KindInfo(
        btfName: "ENUM", ref: .none, indexSlot: false, members: .enumerators, name: .optionalIdentifier,
        size: .bytes, aux: .none, wireFixedBytes: 0, wireEntryBytes: 8, wireTypeWord: false, wireFixedTypeWords: 0)
    case .forward:
      KindInfo(
        btfName: "FWD", ref: .none, indexSlot: false, members: .none, name: .identifier, size: .none,
        aux: .forwardKind, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .typedef:
      KindInfo(
        btfName: "TYPEDEF", ref: .target, indexSlot: false, members: .none, name: .identifier, size: .none,
        aux: .none, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .volatile:
      KindInfo(
        btfName: "VOLATILE", ref: .target, indexSlot: false, members: .none, name: .forbidden, size: .none,
        aux: .none, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .const:
      KindInfo(
        btfName: "CONST", ref: .target, indexSlot: false, members: .none, name: .forbidden, size: .none,
        aux: .none, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .restrict:
      KindInfo(
        btfName: "RESTRICT", ref: .target, indexSlot: false, members: .none, name: .forbidden, size: .none,
        aux: .none, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .function:
      KindInfo(
        btfName: "FUNC", ref: .prototype, indexSlot: false, members: .none, name: .identifier, size: .none,
        aux: .linkage, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .functionProto:
      KindInfo(
        btfName: "FUNC_PROTO", ref: .returnType, indexSlot: false, members: .parameters, name: .forbidden,
        size: .none, aux: .none, wireFixedBytes: 0, wireEntryBytes: 8, wireTypeWord: true, wireFixedTypeWords: 0)
    case .variable:
      KindInfo(
        btfName: "VAR", ref: .type, indexSlot: false, members: .none, name: .identifier, size: .none,
        aux: .linkage, wireFixedBytes: 4, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .dataSection:
      KindInfo(
        btfName: "DATASEC", ref: .none, indexSlot: false, members: .entries, name: .section, size: .bytes,
        aux: .none, wireFixedBytes: 0, wireEntryBytes: 12, wireTypeWord: false, wireFixedTypeWords: 0)
    case .float:
      KindInfo(
        btfName: "FLOAT", ref: .none, indexSlot: false, members: .none, name: .any, size: .bytes, aux: .none,
        wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: false, wireFixedTypeWords: 0)
    case .declTag:
      KindInfo(
        btfName: "DECL_TAG", ref: .target, indexSlot: false, members: .none, name: .value, size: .none,
        aux: .componentIndex, wireFixedBytes: 4, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .typeTag:
      KindInfo(
        btfName: "TYPE_TAG", ref: .target, indexSlot: false, members: .none, name: .value, size: .none,
        aux: .attribute, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: true, wireFixedTypeWords: 0)
    case .enum64:
      KindInfo(
        btfName: "ENUM64", ref: .none, indexSlot: false, members: .enumerators, name: .optionalIdentifier,
        size: .bytes, aux: .none, wireFixedBytes: 0, wireEntryBytes: 12, wireTypeWord: false, wireFixedTypeWords: 0)
    case .unrepresentable:
      KindInfo(
        btfName: "UNREPRESENTABLE", ref: .none, indexSlot: false, members: .variantEntries, name: .any,
        size: .bytesIfKnown, aux: .none, wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: false, wireFixedTypeWords: 0)
    case .void:
      KindInfo(
        btfName: "VOID", ref: .none, indexSlot: false, members: .none, name: .any, size: .graphOnly, aux: .none,
        wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: false, wireFixedTypeWords: 0)
    case .removed:
      KindInfo(
        btfName: "REMOVED", ref: .none, indexSlot: false, members: .none, name: .any, size: .none, aux: .none,
        wireFixedBytes: 0, wireEntryBytes: 0, wireTypeWord: false, wireFixedTypeWords: 0)
    }
  }

  /// The bpftool name of the kind (`STRUCT`, `FUNC_PROTO`…), or the graph-only name.
  public var btfName: String { info.btfName.description }

  /// Kinds whose node has a member list (`TypeGraph.members(of:)`).
  @inlinable @inline(__always) public var hasMembers: Bool { info.members != .none }

  /// Kinds whose `ref` column is a type reference.
  @inlinable @inline(__always) public var hasReference: Bool { info.ref != .none }

  /// The bytes a record of this kind with `vlen` entries takes after its 12-byte header.
  @inlinable public func wireTrailingBytes(vlen: Int) -> Int { info.wireFixedBytes + vlen * info.wireEntryBytes }
  /// INT's int word, VAR's linkage, DECL_TAG's component index (4); ARRAY's `btf_array` (12).
  @inlinable public var wireFixedBytes: Int { info.wireFixedBytes }
  /// `btf_member`, `btf_var_secinfo`, `btf_enum64` (12); `btf_enum`, `btf_param` (8).
  @inlinable public var wireEntryBytes: Int { info.wireEntryBytes }
}
