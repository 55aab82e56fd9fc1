import TypeGraph

/// The copies dedup at import merged (`DecisionLog.copiesMergedAtImport`) as the reports number
/// them: copy k is node `graph.count + k`, past every node of the graph, and reads as its
/// representative but for its DIE, its unit and, when they differ, its path and DWARF tag.
struct ImportedCopies {
  /// The graph's node count: the first copy's id.
  let base: Int
  private let list: CopiesMergedAtImport
  /// Each copy's representative.
  private let representatives: ContiguousArray<TypeID>

  init(_ graph: TypeGraph) {
    base = graph.count
    list = graph.decisions.copiesMergedAtImport
    var reps = ContiguousArray<TypeID>()
    reps.reserveCapacity(list.count)
    for k in 0..<list.representativeCount {
      let g = list.group(k)
      reps.append(contentsOf: repeatElement(g.representative, count: g.copies.count))
    }
    representatives = reps
  }

  var count: Int { list.count }
  func isCopy(_ id: TypeID) -> Bool { id.index >= base }
  func id(_ copy: Int) -> TypeID { TypeID(base + copy) }
  func representative(_ copy: Int) -> TypeID { representatives[copy] }

  /// The node `id` reads as: its representative for a copy, itself otherwise.
  func node(_ id: TypeID) -> TypeID { id.index >= base ? representatives[id.index - base] : id }

  /// A copy's DIE offset and unit (nil for a node of the graph).
  func origin(_ id: TypeID) -> (dieOffset: UInt64, unit: UnitID)? {
    guard id.index >= base else { return nil }
    return (list.dieOffset(id.index - base), list.unit(id.index - base))
  }

  /// A copy's path and DWARF tag as imported, when not its representative's.
  func unlike(_ id: TypeID) -> (scope: NameID, dwarfTag: UInt16)? {
    id.index >= base ? list.unlike(id.index - base) : nil
  }

  /// The ids of `representative`'s copies (none for a node without).
  func ids(of representative: TypeID) -> LazyMapCollection<Range<Int>, TypeID> {
    idRange(of: representative).lazy.map { TypeID($0) }
  }

  private func idRange(of representative: TypeID) -> Range<Int> {
    guard !list.isEmpty, representative.index < base else { return 0..<0 }
    let copies = list.copies(of: representative)
    return base + copies.lowerBound..<base + copies.upperBound
  }
}
