/// Dedup at import (issue 19): a range's walker merges the copies among its own units before the
/// range joins the graph (`DWARFImportOptions.canonicalizeRange`), and `absorb` leaves the copies
/// merged away out, so the graph holds one node per class of each range instead of one per DIE.
extension DWARFWalker {
  /// Runs `canonicalizeRange` on this walker's graph. Nodes the range cannot judge yet stay apart:
  /// those with a reference still pending (to another range's DIE: its node is not known, and two
  /// copies with a pending reference look alike whatever they refer to), the functions whose scope
  /// `resolveFunctionScopes` sets after the walk, and the array index type `absorb` may replace.
  mutating func canonicalizeOwnRange() {
    guard let canonicalize = canonicalizeRange, graph.count > 1 else { return }
    var pinned = ContiguousArray<Bool>(repeating: false, count: graph.count)
    var pendingMembers = ContiguousArray<Bool>()
    for slot in pendingSlots {
      switch slot.column {
      case .nodeRef:
        pinned[Int(slot.index)] = true
      case .memberType:
        if pendingMembers.isEmpty { pendingMembers = ContiguousArray(repeating: false, count: graph.memberNames.count) }
        pendingMembers[Int(slot.index)] = true
      case .templateType, .counted:
        break // a template parameter is no node, and its type is kept as `absorb` maps it
      }
    }
    if !pendingMembers.isEmpty {
      for i in 1..<graph.count where graph.memberRange(TypeID(i)).contains(where: { pendingMembers[$0] }) { pinned[i] = true }
    }
    for fn in functionFixNodes {
      pinned[fn.index] = true
      pinned[graph.ref(fn).index] = true
    }
    pinned[graph.arrayIndexTypeID.index] = true
    pinned[0] = false
    let done = canonicalize(&graph, pinned)
    stats.mergedAtImport += done.merged
    forwardTargets.append(contentsOf: done.forwardTargets)
  }
}
