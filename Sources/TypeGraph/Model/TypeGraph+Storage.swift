/// Where a graph's state lives: every column and side table in one object, so that a graph value
/// is one reference. Passing the graph to a helper that is not inlined costs one retain, not one
/// per column, and a pass needs no attribute to avoid copying it.
///
/// Copy on write, as a whole: two graph values share one `Storage` until either writes, and the
/// first write through a shared graph copies the `Columns` struct (a retain per column; the
/// columns' own buffers are copied only when each is written in turn, as before). Every write goes
/// through `TypeGraph`'s column accessors (`_modify`), which call `makeUnique()` first.
extension TypeGraph {
  /// The graph's state, by value (copying it copies references to the columns' buffers).
  @usableFromInline struct Columns: Sendable {
    // Node columns.
    @usableFromInline var kinds: ContiguousArray<Kind> = [.void]
    @usableFromInline var names: ContiguousArray<NameID> = [.empty]
    @usableFromInline var sizes: ContiguousArray<UInt32> = [0]
    @usableFromInline var refs: ContiguousArray<TypeID> = [.void]
    @usableFromInline var auxes: ContiguousArray<UInt32> = [0]
    @usableFromInline var flags: ContiguousArray<NodeFlags> = [[]]
    @usableFromInline var scopes: ContiguousArray<NameID> = [.empty]
    @usableFromInline var linkageNames: ContiguousArray<NameID> = [.empty]
    @usableFromInline var dwarfTags: ContiguousArray<UInt16> = [0]
    @usableFromInline var dieOffsets = NarrowColumn<UInt64, UInt32>(repeating: 0, count: 1)
    @usableFromInline var units: ContiguousArray<UnitID> = [.none]
    @usableFromInline var memberStarts: ContiguousArray<Int32> = [0]
    @usableFromInline var memberCounts: ContiguousArray<Int32> = [0]

    // Member columns, shared by all nodes.
    @usableFromInline var memberNames: ContiguousArray<NameID> = []
    @usableFromInline var memberTypes: ContiguousArray<TypeID> = []
    @usableFromInline var memberValues = NarrowColumn<UInt64, UInt32>()
    @usableFromInline var memberBits = NarrowColumn<UInt32, UInt16>()

    // Side tables.
    @usableFromInline var templateParameters: [TemplateParameter] = []
    @usableFromInline var arrayIndexTypeID: TypeID = .void
    @usableFromInline var strings = StringTable()
    @usableFromInline var compileUnits: [CompileUnit] = []
    @usableFromInline var decisions = DecisionLog()
    @usableFromInline var symbols = ELFSymbols()
    @usableFromInline var splitBase: SplitBase? = nil
    @usableFromInline var cutsAwaitingRepair: [TypeID] = []

    @usableFromInline init() {}
  }

  /// One node's value in each node column. With `Columns.append(_:)`, `Columns.row(_:)` and
  /// `Columns.reserveCapacity(nodes:members:)` below, the one place that lists the node columns:
  /// `add`, the importer's `absorb` (which appends a walker's nodes) and its reservation go through
  /// them, so a new column is added here and nowhere else.
  @usableFromInline struct NodeRow {
    @usableFromInline var kind: Kind
    @usableFromInline var name: NameID
    @usableFromInline var size: UInt32
    @usableFromInline var ref: TypeID
    @usableFromInline var aux: UInt32
    @usableFromInline var flags: NodeFlags
    @usableFromInline var scope: NameID
    @usableFromInline var linkageName: NameID
    @usableFromInline var dwarfTag: UInt16
    @usableFromInline var origin: Origin
    @usableFromInline var memberStart: Int32
    @usableFromInline var memberCount: Int32

    @inlinable init(
      kind: Kind, name: NameID, size: UInt32, ref: TypeID, aux: UInt32, flags: NodeFlags, scope: NameID,
      linkageName: NameID, dwarfTag: UInt16, origin: Origin, memberStart: Int32, memberCount: Int32
    ) {
      self.kind = kind
      self.name = name
      self.size = size
      self.ref = ref
      self.aux = aux
      self.flags = flags
      self.scope = scope
      self.linkageName = linkageName
      self.dwarfTag = dwarfTag
      self.origin = origin
      self.memberStart = memberStart
      self.memberCount = memberCount
    }
  }

  /// The one object a graph value holds. Never written while shared (`makeUnique()`), hence
  /// `@unchecked Sendable`.
  @usableFromInline final class Storage: @unchecked Sendable {
    // Unchecked: a class property is otherwise checked at run time on every access (a call to
    // the runtime per column read in the passes' loops). Only `TypeGraph`'s accessors reach it,
    // and Swift's static checks of the graph value, which every access goes through, stand in.
    @exclusivity(unchecked) @usableFromInline var columns: Columns

    @usableFromInline init(_ columns: Columns) { self.columns = columns }
  }

  /// Gives this graph value its own storage before a write, copying it if it is shared.
  @inlinable mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.columns) }
  }

  /// The columns for a run of writes (`add`, `setMembers`, `rewriteReferences`): one check
  /// that the storage is unique for the run instead of one per write, and a plain `inout`
  /// struct in which the compiler hoists the columns' own checks out of loops.
  @inlinable mutating func withColumns<R>(_ body: (inout Columns) throws -> R) rethrows -> R {
    makeUnique()
    return try body(&storage.columns)
  }

  /// The storage, made unique, for a loop of single writes between other work (the importer's
  /// reference fills), which writes `storage.columns` directly. Hold it only for the loop (a
  /// `do` block): a write through the graph while it is held copies the storage, and that
  /// write then copies a whole column.
  @inlinable mutating func uniqueStorage() -> Storage {
    makeUnique()
    return storage
  }
}

extension TypeGraph.Columns {
  /// Turns `id` into a tombstone (`TypeGraph.remove`), recording nothing.
  mutating func remove(_ id: TypeID) {
    kinds[id.index] = .removed
    memberCounts[id.index] = 0
    refs[id.index] = .void
  }

  /// `TypeGraph.merge(_:into:)` on the columns: the merge row, the array index type if it was
  /// `id`, and the tombstone; for a run of merges in one `withColumns`.
  mutating func merge(_ id: TypeID, into target: TypeID) {
    decisions.recordMerge(id, into: target)
    if arrayIndexTypeID == id { arrayIndexTypeID = target }
    remove(id)
  }

  /// Appends a node with `row`'s values; returns its id.
  @inlinable @discardableResult mutating func append(_ row: TypeGraph.NodeRow) -> TypeID {
    let id = TypeID(kinds.count)
    kinds.append(row.kind)
    names.append(row.name)
    sizes.append(row.size)
    refs.append(row.ref)
    auxes.append(row.aux)
    flags.append(row.flags)
    scopes.append(row.scope)
    linkageNames.append(row.linkageName)
    dwarfTags.append(row.dwarfTag)
    dieOffsets.append(row.origin.dieOffset)
    units.append(row.origin.unit)
    memberStarts.append(row.memberStart)
    memberCounts.append(row.memberCount)
    return id
  }

  /// Node `i`'s values.
  @inlinable func row(_ i: Int) -> TypeGraph.NodeRow {
    TypeGraph.NodeRow(
      kind: kinds[i], name: names[i], size: sizes[i], ref: refs[i], aux: auxes[i], flags: flags[i], scope: scopes[i],
      linkageName: linkageNames[i], dwarfTag: dwarfTags[i], origin: Origin(dieOffset: dieOffsets[i], unit: units[i]),
      memberStart: memberStarts[i], memberCount: memberCounts[i])
  }

  /// Room for `nodes` nodes and `members` member rows in every column (the importer's estimate).
  mutating func reserveCapacity(nodes: Int, members: Int) {
    kinds.reserveCapacity(nodes)
    names.reserveCapacity(nodes)
    sizes.reserveCapacity(nodes)
    refs.reserveCapacity(nodes)
    auxes.reserveCapacity(nodes)
    flags.reserveCapacity(nodes)
    scopes.reserveCapacity(nodes)
    linkageNames.reserveCapacity(nodes)
    dwarfTags.reserveCapacity(nodes)
    dieOffsets.reserveCapacity(nodes)
    units.reserveCapacity(nodes)
    memberStarts.reserveCapacity(nodes)
    memberCounts.reserveCapacity(nodes)
    memberNames.reserveCapacity(members)
    memberTypes.reserveCapacity(members)
    memberValues.reserveCapacity(members)
    memberBits.reserveCapacity(members)
  }
}
