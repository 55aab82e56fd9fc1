/// Measurement only: what rustbtf-order-audit's `ranges` mode (issue 19, deduplicating types as
/// they are read) is shown of a parallel walk (`DWARFImportOptions.rangeObserver`). Called on
/// the absorbing thread, in file order; the walk and its graph are the same with or without it.
package protocol RangeWalkObserver: AnyObject, Sendable {
  /// Range `range` (of `count`) of units, as its walker left it before it is absorbed, with
  /// the references between its own units resolved (as `resolve()` would, for a range-local
  /// dedup to see them). `ids[i - 1]` is where its node `i` lands in the graph: from `firstID`
  /// on, but for a second array index type, which lands on the graph's own. References
  /// still pending point at DIEs that are not types, or, `outsideReferences` of them, outside
  /// the range (the range's graph holds void there; the whole graph will not).
  func walked(
    range: Int, of count: Int, units: Range<Int>, graph: TypeGraph, ids: ContiguousArray<TypeID>, firstID: TypeID, outsideReferences: Int)
}

extension DWARFWalker {
  /// A copy of this walker's graph with its pending references that point into its own units
  /// filled in, and how many point outside `[low, high)`, the DIE offsets of its units.
  func rangeGraph(from low: UInt64, to high: UInt64) -> (graph: TypeGraph, outside: Int) {
    var g = graph
    var offsets = indexOffsets
    var ids = indexIDs
    if !indexSorted {
      let order = (0..<indexOffsets.count).sorted { indexOffsets[$0] < indexOffsets[$1] }
      offsets = indexOffsets.reordered(order)
      ids = ContiguousArray(order.map { indexIDs[$0] })
    }
    var outside = 0
    let storage = g.uniqueStorage()
    for i in pendingSlots.indices {
      let target = pendingOffsets[i]
      // The first index entry at or after `target`.
      var lo = 0
      var hi = offsets.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if offsets[mid] < target { lo = mid + 1 } else { hi = mid }
      }
      if lo < offsets.count && offsets[lo] == target {
        fill(pendingSlots[i], ids[lo], storage)
      } else if target < low || target >= high {
        outside += 1
      }
    }
    return (g, outside)
  }
}
