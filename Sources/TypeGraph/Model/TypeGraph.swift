// Glossary
// - *Node*: one type, function or variable, identified by a `TypeID`. Node 0 is void.
// - *Same node*: equal `TypeID`s.
// - *Structurally equal*: same kind, name, size, aux word and members, and referenced nodes
//   structurally equal in turn (cycles allowed); what `dedup` merges.
// - *BTF-representable*: `kind.isBTF`, and every name, size and reference obeys the kernel's
//   rules for that kind; what `Encode` requires of every live node.
// - *Live*: not `.removed` and not `.void`; live nodes are what the encoder writes, in id order.

/// The mutable type graph: columns of plain values indexed by `TypeID`, with the members of all
/// nodes in shared member columns. No object exists per node, so a graph of millions of nodes
/// is a few dozen flat arrays.
///
/// Column meanings by kind:
/// | kind | size | ref | aux | members |
/// |---|---|---|---|---|
/// | int | bytes | – | BTF int word: encoding<<24 \| offset<<16 \| bits | – |
/// | float | bytes | – | – | – |
/// | pointer, const, volatile, restrict, typedef | – | target | – | – |
/// | typeTag | – | target | 1 for a type attribute (kind_flag 1), else 0 | – |
/// | array | – | element | element count | – |
/// | structure, union | bytes | – | – | fields: name, type, value = bit offset, bits = bitfield size (0: none) |
/// | enumeration, enum64 | bytes | – | – | enumerators: name, value (bit pattern; signed if `.signed`) |
/// | forward | – | – | 1 for a union, 0 for a struct | – |
/// | function | – | its functionProto | `Linkage` (below) | – |
/// | functionProto | – | return type | – | parameters: name, type (type void last = varargs) |
/// | variable | – | type | `Linkage` (below) | – |
/// | dataSection | bytes | – | – | entries: type = a variable, value = offset, bits = size |
/// | declTag | – | target | component index (Int32 bit pattern; -1 the node itself) | – |
/// | unrepresentable | bytes if known | target if any | – | see below and `DWARFTag` |
/// | void | bytes it had | – | – | – |
///
/// A function's or variable's `Linkage` is BTF's value: 0 static, 1 global (for a variable
/// BTF_VAR_GLOBAL_ALLOCATED), 2 extern; the importer writes 0 or 1 (from `DW_AT_external` for a
/// function), decoded BTF may hold 2. An unrepresentable variant part's entries are its
/// discriminant (`VariantFlags.discriminant`) and its variants (type = the variant node, value =
/// discriminant value, bits = `VariantFlags`); a variant's members are its fields.
public struct TypeGraph: Sendable {
  @inlinable public var strings: StringTable {
    _read { yield storage.columns.strings }
    _modify {
      makeUnique()
      yield &storage.columns.strings
    }
  }
  @inlinable public var compileUnits: [CompileUnit] {
    _read { yield storage.columns.compileUnits }
    _modify {
      makeUnique()
      yield &storage.columns.compileUnits
    }
  }

  // Node columns.
  @inlinable package internal(set) var kinds: ContiguousArray<Kind> {
    _read { yield storage.columns.kinds }
    _modify {
      makeUnique()
      yield &storage.columns.kinds
    }
  }
  @inlinable package internal(set) var names: ContiguousArray<NameID> {
    _read { yield storage.columns.names }
    _modify {
      makeUnique()
      yield &storage.columns.names
    }
  }
  @inlinable package internal(set) var sizes: ContiguousArray<UInt32> {
    _read { yield storage.columns.sizes }
    _modify {
      makeUnique()
      yield &storage.columns.sizes
    }
  }
  @inlinable package internal(set) var refs: ContiguousArray<TypeID> {
    _read { yield storage.columns.refs }
    _modify {
      makeUnique()
      yield &storage.columns.refs
    }
  }
  @inlinable package internal(set) var auxes: ContiguousArray<UInt32> {
    _read { yield storage.columns.auxes }
    _modify {
      makeUnique()
      yield &storage.columns.auxes
    }
  }
  @inlinable package internal(set) var flags: ContiguousArray<NodeFlags> {
    _read { yield storage.columns.flags }
    _modify {
      makeUnique()
      yield &storage.columns.flags
    }
  }
  /// Namespace path of the node's DWARF scope (`core::fmt`), empty at top level.
  @inlinable package internal(set) var scopes: ContiguousArray<NameID> {
    _read { yield storage.columns.scopes }
    _modify {
      makeUnique()
      yield &storage.columns.scopes
    }
  }
  /// `DW_AT_linkage_name` of functions and variables (the symbol), else empty.
  @inlinable package internal(set) var linkageNames: ContiguousArray<NameID> {
    _read { yield storage.columns.linkageNames }
    _modify {
      makeUnique()
      yield &storage.columns.linkageNames
    }
  }
  @inlinable package internal(set) var dwarfTags: ContiguousArray<UInt16> {
    _read { yield storage.columns.dwarfTags }
    _modify {
      makeUnique()
      yield &storage.columns.dwarfTags
    }
  }
  @inlinable package internal(set) var dieOffsets: NarrowColumn<UInt64, UInt32> {
    _read { yield storage.columns.dieOffsets }
    _modify {
      makeUnique()
      yield &storage.columns.dieOffsets
    }
  }
  @inlinable package internal(set) var units: ContiguousArray<UnitID> {
    _read { yield storage.columns.units }
    _modify {
      makeUnique()
      yield &storage.columns.units
    }
  }
  @inlinable var memberStarts: ContiguousArray<Int32> {
    _read { yield storage.columns.memberStarts }
    _modify {
      makeUnique()
      yield &storage.columns.memberStarts
    }
  }
  @inlinable var memberCounts: ContiguousArray<Int32> {
    _read { yield storage.columns.memberCounts }
    _modify {
      makeUnique()
      yield &storage.columns.memberCounts
    }
  }

  // Member columns, shared by all nodes.
  @inlinable package internal(set) var memberNames: ContiguousArray<NameID> {
    _read { yield storage.columns.memberNames }
    _modify {
      makeUnique()
      yield &storage.columns.memberNames
    }
  }
  @inlinable package internal(set) var memberTypes: ContiguousArray<TypeID> {
    _read { yield storage.columns.memberTypes }
    _modify {
      makeUnique()
      yield &storage.columns.memberTypes
    }
  }
  /// Both narrow where they can be (`NarrowColumn`).
  @inlinable package internal(set) var memberValues: NarrowColumn<UInt64, UInt32> {
    _read { yield storage.columns.memberValues }
    _modify {
      makeUnique()
      yield &storage.columns.memberValues
    }
  }
  @inlinable package internal(set) var memberBits: NarrowColumn<UInt32, UInt16> {
    _read { yield storage.columns.memberBits }
    _modify {
      makeUnique()
      yield &storage.columns.memberBits
    }
  }

  /// Template parameters (`DW_TAG_template_type_parameter`), a sparse side table: they are not
  /// members, BTF has no place for them, and only naming and explanations read them.
  @inlinable package internal(set) var templateParameters: [TemplateParameter] {
    _read { yield storage.columns.templateParameters }
    _modify {
      makeUnique()
      yield &storage.columns.templateParameters
    }
  }

  /// The INT node arrays use as their index type (pahole's `__ARRAY_SIZE_TYPE__`), created on
  /// first use by `arrayIndexType()`.
  @inlinable package internal(set) var arrayIndexTypeID: TypeID {
    _read { yield storage.columns.arrayIndexTypeID }
    _modify {
      makeUnique()
      yield &storage.columns.arrayIndexTypeID
    }
  }

  /// Decisions the passes took, for `--explain-pruned`.
  @inlinable public package(set) var decisions: DecisionLog {
    _read { yield storage.columns.decisions }
    _modify {
      makeUnique()
      yield &storage.columns.decisions
    }
  }

  /// The input's ELF symbols and the addresses of function and variable nodes (a side table;
  /// empty unless imported from an ELF file), for `select-symbols`.
  @inlinable public var symbols: ELFSymbols {
    _read { yield storage.columns.symbols }
    _modify {
      makeUnique()
      yield &storage.columns.symbols
    }
  }

  /// The base BTF when this graph is to be written as split BTF (module BTF on top of vmlinux's);
  /// nil for standalone BTF. See `SplitBase`.
  @inlinable public internal(set) var splitBase: SplitBase? {
    _read { yield storage.columns.splitBase }
    _modify {
      makeUnique()
      yield &storage.columns.splitBase
    }
  }

  @usableFromInline var storage = Storage(Columns())

  /// Nodes `cut` demoted whose holders no pass has fixed yet: the pipeline's `prune-dependents`
  /// fixes them and empties this (`PassPipeline.run` runs it again after a pass that cuts when
  /// it does not come later).
  @inlinable public internal(set) var cutsAwaitingRepair: [TypeID] {
    _read { yield storage.columns.cutsAwaitingRepair }
    _modify {
      makeUnique()
      yield &storage.columns.cutsAwaitingRepair
    }
  }

  public init() {}

  /// Number of node slots, void and tombstones included; valid ids are `1..<count`.
  @inlinable @inline(__always) public var count: Int { kinds.count }
  /// Nodes that are neither void nor removed: what the encoder writes.
  public var liveCount: Int { kinds.reduce(0) { $0 + ($1 != .void && $1 != .removed ? 1 : 0) } }
  /// Inlinable: the passes loop over it, and through a call per element it costs them more than
  /// the loop's body.
  @inlinable public var ids: some Sequence<TypeID> { (1..<count).lazy.map { TypeID($0) } }

  // MARK: Reading

  @inlinable @inline(__always) public func kind(_ id: TypeID) -> Kind { kinds[id.index] }
  @inlinable @inline(__always) public func name(_ id: TypeID) -> NameID { names[id.index] }
  @inlinable @inline(__always) public func size(_ id: TypeID) -> UInt32 { sizes[id.index] }
  @inlinable @inline(__always) public func ref(_ id: TypeID) -> TypeID { refs[id.index] }
  @inlinable @inline(__always) public func aux(_ id: TypeID) -> UInt32 { auxes[id.index] }
  @inlinable @inline(__always) public func flags(_ id: TypeID) -> NodeFlags { flags[id.index] }
  @inlinable @inline(__always) public func dwarfTag(of id: TypeID) -> UInt16 { dwarfTags[id.index] }
  @inlinable @inline(__always) public func isLive(_ id: TypeID) -> Bool { kinds[id.index].isBTF }
  public func nameString(_ id: TypeID) -> String { strings.string(names[id.index]) }
  public func origin(_ id: TypeID) -> Origin {
    Origin(dieOffset: dieOffsets[id.index], unit: units[id.index])
  }

  /// The range of `id`'s members in the member columns.
  @inlinable @inline(__always) public func memberRange(_ id: TypeID) -> Range<Int> {
    let s = Int(memberStarts[id.index])
    return s..<s + Int(memberCounts[id.index])
  }
  @inlinable @inline(__always) public func memberCount(_ id: TypeID) -> Int { Int(memberCounts[id.index]) }

  /// Whether the members of `a` and `b` have the same names, values and bits, in order (types
  /// aside). Compared column by column as bytes: dedup compares every copy it merges with its
  /// class's first node this way.
  package func memberLabelsEqual(_ a: TypeID, _ b: TypeID) -> Bool {
    let ra = memberRange(a)
    let rb = memberRange(b)
    guard ra.count == rb.count else { return false }
    if ra.isEmpty { return true }
    let names = memberNames.withUnsafeBytes { all in
      let width = MemoryLayout<NameID>.stride
      return bytesEqual(all.baseAddress! + ra.lowerBound * width, all.baseAddress! + rb.lowerBound * width, ra.count * width)
    }
    return names && memberValues.valuesEqual(ra, rb.lowerBound) && memberBits.valuesEqual(ra, rb.lowerBound)
  }
  public func members(of id: TypeID) -> [Member] { memberRange(id).map(member(at:)) }
  @inlinable @inline(__always) public func member(at i: Int) -> Member {
    Member(name: memberNames[i], type: memberTypes[i], value: memberValues[i], bits: memberBits[i])
  }

  // MARK: Building

  /// Appends a node and returns its id. A pass gives a new node its members with
  /// `replaceMembers(_:with:pass:changes:)` (no changes to explain: the node is new).
  @discardableResult
  public mutating func add(
    _ kind: Kind, name: NameID = .empty, size: UInt32 = 0, ref: TypeID = .void, aux: UInt32 = 0,
    flags: NodeFlags = [], dwarfTag: UInt16 = 0, origin: Origin = .none, scope: NameID = .empty,
    linkageName: NameID = .empty
  ) -> TypeID {
    withColumns { c in
      c.append(
        NodeRow(
          kind: kind, name: name, size: size, ref: ref, aux: aux, flags: flags, scope: scope, linkageName: linkageName,
          dwarfTag: dwarfTag, origin: origin, memberStart: Int32(c.memberNames.count), memberCount: 0))
    }
  }

  /// Replaces `id`'s members, recording nothing: for code that builds graphs (the importer, the
  /// BTF decoder, tests) and for the operations; passes use `replaceMembers`. When the new list
  /// is no longer than the old one it is written in place; otherwise it is appended at the end
  /// of the member columns.
  package mutating func setMembers(_ id: TypeID, _ members: some Collection<Member>) {
    setMembersInPlace(id, members)
  }

  /// `setMembers` for an array: not generic, so that callers in other modules (the BTF decoder,
  /// split BTF's base, hundreds of thousands of calls for a vmlinux base) run a specialized body
  /// instead of the generic one, whose iteration goes through the runtime.
  package mutating func setMembers(_ id: TypeID, _ members: [Member]) {
    setMembersInPlace(id, members)
  }

  private mutating func setMembersInPlace(_ id: TypeID, _ members: some Collection<Member>) {
    withColumns { c in
      let old = Int(c.memberStarts[id.index])..<Int(c.memberStarts[id.index]) + Int(c.memberCounts[id.index])
      if members.count > old.count || (old.isEmpty && old.lowerBound != c.memberNames.count) {
        // Appended as they are: the importer's every node with members comes here, and zeros
        // appended then overwritten through `NarrowColumn`'s setter (which checks the side
        // table of wide values for each) were 2% of the walk. (Appending each column from a
        // lazy map of the members costs more: 6.5 G instructions on vmlinux.rust, 6.16 G so.)
        c.memberStarts[id.index] = Int32(c.memberNames.count)
        c.memberCounts[id.index] = Int32(members.count)
        for m in members {
          c.memberNames.append(m.name)
          c.memberTypes.append(m.type)
          c.memberValues.append(m.value)
          c.memberBits.append(m.bits)
        }
        return
      }
      let start = old.lowerBound
      var i = start
      for m in members {
        c.memberNames[i] = m.name
        c.memberTypes[i] = m.type
        c.memberValues[i] = m.value
        c.memberBits[i] = m.bits
        i += 1
      }
      c.memberStarts[id.index] = Int32(start)
      c.memberCounts[id.index] = Int32(members.count)
    }
  }

  public mutating func addTemplateParameter(_ p: TemplateParameter) { templateParameters.append(p) }

  /// The shared array index type, created on first use.
  public mutating func arrayIndexType() -> TypeID {
    if arrayIndexTypeID.isVoid {
      arrayIndexTypeID = add(
        .int, name: strings.intern("__ARRAY_SIZE_TYPE__"), size: 4, aux: 32, flags: .synthesized)
    }
    return arrayIndexTypeID
  }

  /// Makes `id` the array index type (the BTF decoder uses it for blobs it reads).
  package mutating func setArrayIndexType(_ id: TypeID) { arrayIndexTypeID = id }

  // MARK: Raw column writers

  // Writers of one column, for code that builds graphs (the importer, the BTF decoder, tests):
  // they record nothing, so passes use the operations instead. `package`: out of a library
  // user's reach (scripts/sealed-api-test.sh).
  package mutating func setKind(_ id: TypeID, _ kind: Kind) { kinds[id.index] = kind }
  package mutating func setName(_ id: TypeID, _ name: NameID) { names[id.index] = name }
  package mutating func setSize(_ id: TypeID, _ size: UInt32) { sizes[id.index] = size }
  package mutating func setRef(_ id: TypeID, _ ref: TypeID) { refs[id.index] = ref }
  package mutating func setAux(_ id: TypeID, _ aux: UInt32) { auxes[id.index] = aux }
  package mutating func setFlags(_ id: TypeID, _ f: NodeFlags) { flags[id.index] = f }
  package mutating func setScope(_ id: TypeID, _ scope: NameID) { scopes[id.index] = scope }
  package mutating func setMemberName(at i: Int, _ name: NameID) { memberNames[i] = name }
  package mutating func setMemberType(at i: Int, _ type: TypeID) { memberTypes[i] = type }
  package mutating func setMemberValue(at i: Int, _ v: UInt64) { memberValues[i] = v }
}

/// One entry of a node's member list; what its fields mean depends on the owner's kind (see
/// `TypeGraph`).
public struct Member: Hashable, Sendable {
  public var name: NameID
  public var type: TypeID
  /// Struct/union: bit offset. Enum: the value's bit pattern. Datasec: byte offset. Variant
  /// part entry: the discriminant value.
  public var value: UInt64
  /// Struct/union: bitfield size, 0 when not a bitfield. Datasec: byte size. Variant part
  /// entry: `VariantFlags`.
  public var bits: UInt32
  public init(name: NameID = .empty, type: TypeID = .void, value: UInt64 = 0, bits: UInt32 = 0) {
    self.name = name
    self.type = type
    self.value = value
    self.bits = bits
  }
}

public struct TemplateParameter: Hashable, Sendable {
  public var owner: TypeID
  public var name: NameID
  /// The parameter's type; void for value parameters whose type was not imported.
  public var type: TypeID
  public init(owner: TypeID, name: NameID, type: TypeID) {
    self.owner = owner
    self.name = name
    self.type = type
  }
}

/// Where a node came from.
public struct Origin: Hashable, Sendable {
  /// Global DIE offset in `.debug_info` (`dwarf_dieoffset`); 0 when synthesized or decoded.
  public var dieOffset: UInt64
  public var unit: UnitID
  public init(dieOffset: UInt64, unit: UnitID) {
    self.dieOffset = dieOffset
    self.unit = unit
  }
  public static let none = Origin(dieOffset: 0, unit: .none)
}

/// A compile unit of the input.
public struct CompileUnit: Hashable, Sendable {
  public var name: NameID
  public var producer: NameID
  public var compDir: NameID
  /// `DW_AT_language` (DW_LANG_Rust = 0x1c, DW_LANG_C* …).
  public var language: UInt16
  public var dieOffset: UInt64
  public init(name: NameID, producer: NameID, compDir: NameID, language: UInt16, dieOffset: UInt64) {
    self.name = name
    self.producer = producer
    self.compDir = compDir
    self.language = language
    self.dieOffset = dieOffset
  }
  public var isRust: Bool { language == 0x1c }
}
