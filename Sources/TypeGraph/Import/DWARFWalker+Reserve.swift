/// Growing the columns to their final size in one step. Columns that grow by doubling copy
/// themselves each time, and the last copy of a large column (member values: 134 MB on
/// Debian's vmlinux) holds the old and the new buffer at once, at the moment the import's
/// memory peaks. Once an eighth of `.debug_info` is walked, the final sizes are extrapolated
/// from what that eighth produced, with a margin, and reserved. Capacity that is never written
/// is never touched, so an estimate too high costs address space, not memory; one too low
/// leaves the usual doubling for the rest.
extension DWARFWalker {
  /// Reserves once `done` of `total` bytes of units are walked, if that is an eighth or more.
  mutating func reserveForWholeFile(done: UInt64, total: UInt64) {
    guard !reserved, total > 0, done >= total / 8, done > 0 else { return }
    reserved = true
    let scale = Double(total) / Double(done) * 1.1
    func estimate(_ n: Int) -> Int { Int(min(Double(n) * scale, Double(Int32.max))) }
    let (nodes, members) = (estimate(graph.count), estimate(graph.memberNames.count))
    graph.withColumns { $0.reserveCapacity(nodes: nodes, members: members) }
    indexOffsets.reserveCapacity(estimate(indexOffsets.count))
    indexIDs.reserveCapacity(estimate(indexIDs.count))
  }
}
