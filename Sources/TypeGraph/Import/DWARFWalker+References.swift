internal import CDwarf

/// References: the index of imported type DIEs, the pending references (global DIE offsets
/// waiting for the TypeID of their target), the member buffer that records its members'
/// pending types, and their resolution, per unit through a dense table and after the walk by
/// binary search.
extension DWARFWalker {
  @inline(__always)
  mutating func addIndex(_ offset: UInt64, _ id: TypeID) {
    if let last = indexOffsets.last, last >= offset { indexSorted = false }
    indexOffsets.append(offset)
    indexIDs.append(id)
  }

  @inline(__always)
  mutating func pendingRef(_ id: TypeID, _ target: UInt64) {
    guard target != 0 else { return }
    pendingSlots.append(PendingSlot(column: .nodeRef, index: id.rawValue))
    pendingOffsets.append(target)
  }

  /// Stores `memberBuffer[start...]` as `id`'s members and records their pending types.
  mutating func finishMembers(_ id: TypeID, _ start: Int) {
    let n = memberBuffer.count - start
    guard n > 0 else { return }
    do {
      let slice = memberBuffer[start...]
      graph.setMembers(id, slice)
    }
    let base = graph.memberRange(id).lowerBound
    for k in 0..<n {
      let target = memberBufferOffsets[start + k]
      if target != 0 {
        pendingSlots.append(PendingSlot(column: .memberType, index: Int32(truncatingIfNeeded: base + k)))
        pendingOffsets.append(target)
      }
    }
    dropMembers(start)
  }

  mutating func dropMembers(_ start: Int) {
    let n = memberBuffer.count - start
    guard n > 0 else { return }
    memberBuffer.removeLast(n)
    memberBufferOffsets.removeLast(n)
  }

  /// Resolves the references the unit just walked made to its own DIEs (most of them) through
  /// a dense table indexed by DIE offset minus the unit's first indexed offset (filled from the
  /// unit's index entries and cleared after, so the cost is per type, not per byte); the rest
  /// (cross-unit references, references to non-types) wait for `resolve()`.
  mutating func resolveUnitLocal() {
    guard indexSorted, unitIndexStart < indexOffsets.count else { return }
    let lo = unitIndexStart
    let hi = indexOffsets.count
    let first = indexOffsets[lo]
    let last = indexOffsets[hi - 1]
    let span = Int(clamping: last - first + 1)
    guard span <= Self.maxDenseSpan else { return }
    if span > denseCapacity {
      free(dense)
      denseCapacity = max(span, denseCapacity * 2)
      dense = zeroedAllocation(denseCapacity)
    }
    let table = dense
    for i in lo..<hi { table[Int(indexOffsets[i] - first)] = indexIDs[i].rawValue }
    defer { for i in lo..<hi { table[Int(indexOffsets[i] - first)] = 0 } }

    var kept = unitPendingStart
    let storage = graph.uniqueStorage()
    for i in unitPendingStart..<pendingSlots.count {
      let target = pendingOffsets[i]
      let t = target >= first && target <= last ? table[Int(target - first)] : 0
      if t != 0 {
        fill(pendingSlots[i], TypeID(rawValue: t), storage)
      } else {
        pendingSlots[kept] = pendingSlots[i]
        pendingOffsets[kept] = target
        kept += 1
      }
    }
    pendingSlots.removeLast(pendingSlots.count - kept)
    pendingOffsets.removeLast(pendingOffsets.count - kept)
  }

  /// Writes a resolved reference into the column slot that waited for it, in the graph's
  /// storage (`graph.uniqueStorage()`, taken once for a loop of fills).
  @inline(__always)
  func fill(_ slot: PendingSlot, _ t: TypeID, _ storage: TypeGraph.Storage) {
    switch slot.column {
    case .nodeRef: storage.columns.refs[Int(slot.index)] = t
    case .memberType: storage.columns.memberTypes[Int(slot.index)] = t
    case .templateType: storage.columns.templateParameters[Int(slot.index)].type = t
    case .counted: break
    }
  }

  /// The type node of the DIE at `offset`, or nil.
  func lookup(_ offset: UInt64) -> TypeID? { lookup(offset, 0, indexOffsets.count) }

  /// Binary search of `offset` in `indexOffsets[lo..<hi]`.
  @inline(__always)
  func lookup(_ offset: UInt64, _ lo: Int, _ hi: Int) -> TypeID? {
    guard lo < hi else { return nil }
    let found = indexOffsets.firstIndex(of: offset, in: lo, hi)
    return found >= 0 ? indexIDs[found] : nil
  }

  mutating func resolve() {
    if !indexSorted {
      let order = (0..<indexOffsets.count).sorted { indexOffsets[$0] < indexOffsets[$1] }
      indexOffsets = indexOffsets.reordered(order)
      indexIDs = ContiguousArray(order.map { indexIDs[$0] })
    }
    var missing = 0
    var lastDangling: UInt64? = nil
    do { // the storage reference ends here, before resolveFunctionScopes writes the graph
      let storage = graph.uniqueStorage()
      for i in pendingSlots.indices {
        if let t = lookup(pendingOffsets[i]) {
          fill(pendingSlots[i], t, storage)
          continue
        }
        missing += 1
        // A reference to no DIE at all (past the section, into the middle of a DIE) is
        // corrupt DWARF, not a reference to a DIE that is not a type.
        let target = pendingOffsets[i]
        if target == lastDangling {
          stats.danglingReferences += 1
        } else if let why = danglingReason(target) {
          stats.danglingReferences += 1
          lastDangling = target
          if stats.firstUnreadable == nil { stats.firstUnreadable = why }
        }
      }
    }
    stats.referencesToNonTypes = missing
    resolveFunctionScopes()
  }
}

/// Where a pending reference goes once its DIE offset is resolved: a node's `ref`, a member's
/// type, or a template parameter's type, by index in that column; or nowhere (`counted`).
struct PendingSlot {
  enum Column: UInt8 {
    case nodeRef, memberType, templateType
    /// The template parameter of a copy dedup at import merged away (`absorb`): no row holds it,
    /// but its reference is still looked up, so that the references to no DIE are counted as
    /// without dedup at import (the error and the warning of corrupt DWARF give the count).
    case counted
  }
  var column: Column
  var index: Int32
}
