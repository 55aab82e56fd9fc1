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
