/// Merging the walk of a later range of units into this walker, for the parallel import: every
/// range's walker starts from an empty graph with the input's ELF symbols (`sibling()`), so all
/// it added is its own, and appending that with its ids shifted gives the graph, index and
/// pending references one walker over all the units would have built.
///
/// Why the result is the same, column by column:
/// - Nodes, members, template parameters and compile units are appended in walk order; a
///   chunk's own ids are renumbered by one table (`nodeMap`), the rest by a shift.
/// - Strings get ids in the order they were first interned; interning a chunk's new strings in
///   its own order (`StringTable.internAll`) keeps that order across chunks.
/// - The shared array index type (`TypeGraph.arrayIndexType`) is created by the first array a
///   walk meets: a later chunk's own copy is dropped and its references go to the first one.
/// - References a chunk could not resolve inside its units stay pending, with their slots
///   renumbered, and are resolved with everyone else's by `resolve()`.
extension DWARFWalker {
  /// Where a walker's own additions start in each column: ids below these are shared by every
  /// walker (void, the empty string).
  struct Start {
    var nodes: Int
    var strings: Int
    var members: Int
    var templates: Int
    var units: Int

    /// Where a walker made by `sibling()` starts.
    static let sibling = Start(TypeGraph())

    init(_ g: TypeGraph) {
      nodes = g.count
      strings = g.strings.count
      members = g.memberNames.count
      templates = g.templateParameters.count
      units = g.compileUnits.count
    }
  }

  /// Where the nodes of `other` (a graph walked by a `sibling()`) land in this graph when it is
  /// absorbed, indexed by their id less `Start.sibling.nodes`: they follow this graph's, less a
  /// second array index type, which becomes this graph's (`duplicateIndexType`), and less the
  /// copies dedup at import merged away (`canonicalizeOwnRange`), each of which lands where the
  /// node it was finally merged into does (`mergedInto`, empty when there were none).
  func absorbedIDs(of other: TypeGraph) -> (ids: ContiguousArray<TypeID>, duplicateIndexType: Bool, mergedInto: ContiguousArray<TypeID>) {
    let start = Start.sibling
    // A forward declaration merged into a definition, itself merged into its class's first
    // copy, reads as that copy, which may come after it.
    var mergedInto = ContiguousArray<TypeID>()
    if other.decisions.mergeCount > 0 {
      let merges = MergeMap(other.decisions, count: other.count)
      mergedInto = ContiguousArray(repeating: .void, count: other.count)
      for i in start.nodes..<other.count where merges.isMerged(TypeID(i)) { mergedInto[i] = merges.kept(TypeID(i)) }
    }
    let compacting = !mergedInto.isEmpty
    let duplicateIndexType = !graph.arrayIndexTypeID.isVoid && other.arrayIndexTypeID.index >= start.nodes
    var nodeMap = ContiguousArray<TypeID>(repeating: .void, count: other.count - start.nodes)
    var next = graph.count
    for i in start.nodes..<other.count {
      if duplicateIndexType && i == other.arrayIndexTypeID.index {
        nodeMap[i - start.nodes] = graph.arrayIndexTypeID
      } else if !compacting || mergedInto[i].isVoid {
        nodeMap[i - start.nodes] = TypeID(next)
        next += 1
      }
    }
    if compacting {
      for i in start.nodes..<other.count where !mergedInto[i].isVoid {
        nodeMap[i - start.nodes] = nodeMap[mergedInto[i].index - start.nodes]
      }
    }
    return (nodeMap, duplicateIndexType, mergedInto)
  }

  /// Appends what `chunk` (a walker made by `sibling()`) walked, and deallocates `chunk`.
  mutating func absorb(_ chunk: inout DWARFWalker) {
    let start = Start.sibling
    defer { chunk.deallocate() }
    var other = chunk.graph
    chunk.graph = TypeGraph()
    let names = graph.strings.internAll(of: other.strings, from: start.strings)
    @inline(__always) func name(_ n: NameID) -> NameID { n.index < start.strings ? n : names[n.index - start.strings] }

    // Dedup at import: the copies merged away are left out, with their member rows.
    let (nodeMap, duplicateIndexType, mergedInto) = absorbedIDs(of: other)
    let compacting = !mergedInto.isEmpty
    // Where each of the chunk's member rows went (compacting only; -1: left out).
    var memberMap = ContiguousArray<Int32>()
    @inline(__always) func type(_ t: TypeID) -> TypeID { t.index < start.nodes ? t : nodeMap[t.index - start.nodes] }
    if graph.arrayIndexTypeID.isVoid && other.arrayIndexTypeID.index >= start.nodes {
      graph.arrayIndexTypeID = type(other.arrayIndexTypeID)
    }
    let memberShift = graph.memberNames.count - start.members
    let templateShift = graph.templateParameters.count - start.templates
    let unitShift = Int32(graph.compileUnits.count - start.units)

    // One uniqueness check of the graph's storage for the whole copy, not one per value.
    // The chunk's columns are read in a scope of their own, so they are released with `other`.
    do {
      let o = other.storage.columns
      let skipped = duplicateIndexType ? other.arrayIndexTypeID.index : -1
      graph.withColumns { c in
        if compacting { memberMap = ContiguousArray(repeating: -1, count: o.memberNames.count - start.members) }
        for i in start.nodes..<o.kinds.count where i != skipped && !(compacting && !mergedInto[i].isVoid) {
          // The chunk's names, types, unit and member rows, in this graph's numbering.
          var row = o.row(i)
          row.name = name(row.name)
          row.ref = type(row.ref)
          row.scope = name(row.scope)
          row.linkageName = name(row.linkageName)
          if row.origin.unit != .none { row.origin.unit = UnitID(rawValue: row.origin.unit.rawValue + unitShift) }
          if compacting {
            // The node's own rows, next to each other as `setMembers` left them.
            let first = Int(row.memberStart)
            row.memberStart = Int32(c.memberNames.count)
            for m in first..<first + Int(row.memberCount) {
              memberMap[m - start.members] = Int32(c.memberNames.count)
              c.memberNames.append(name(o.memberNames[m]))
              c.memberTypes.append(type(o.memberTypes[m]))
              c.memberValues.append(o.memberValues[m])
              c.memberBits.append(o.memberBits[m])
            }
          } else {
            row.memberStart = Int32(Int(row.memberStart) + memberShift)
          }
          c.append(row)
        }
        if !compacting {
          for m in start.members..<o.memberNames.count {
            c.memberNames.append(name(o.memberNames[m]))
            c.memberTypes.append(type(o.memberTypes[m]))
          }
          c.memberValues.append(contentsOf: o.memberValues, from: start.members)
          c.memberBits.append(contentsOf: o.memberBits, from: start.members)
        }
      }
      if compacting { recordCopies(o, mergedInto: mergedInto, from: start, nodeMap: nodeMap, unitShift: unitShift, name: name) }
    }
    // Where each template parameter went (compacting only; -1: its owner was merged away, and the
    // node it was merged into has its own).
    var templateMap = ContiguousArray<Int32>()
    if compacting { templateMap = ContiguousArray(repeating: -1, count: other.templateParameters.count - start.templates) }
    for (k, p) in other.templateParameters[start.templates...].enumerated() {
      if compacting {
        guard p.owner.index < start.nodes || mergedInto[p.owner.index].isVoid else { continue }
        templateMap[k] = Int32(graph.templateParameters.count)
      }
      graph.templateParameters.append(TemplateParameter(owner: type(p.owner), name: name(p.name), type: type(p.type)))
    }
    for var u in other.compileUnits[start.units...] {
      u.name = name(u.name)
      u.producer = name(u.producer)
      u.compDir = name(u.compDir)
      graph.compileUnits.append(u)
    }
    for (k, id) in other.symbols.addressedNodes.enumerated() where id.index >= start.nodes {
      graph.symbols.recordAddress(type(id), other.symbols.nodeAddresses[k])
    }
    for id in other.symbols.changedCalls where id.index >= start.nodes {
      graph.symbols.recordChangedCall(type(id))
    }
    graph.symbols.functionFacts.append(other.symbols.functionFacts, mapping: type)
    other = TypeGraph()

    // The walk's own state: the index of type DIEs, pending references, function scopes.
    if let last = indexOffsets.last, let first = chunk.indexOffsets.first, last >= first { indexSorted = false }
    indexSorted = indexSorted && chunk.indexSorted
    indexOffsets.append(contentsOf: chunk.indexOffsets)
    for id in chunk.indexIDs { indexIDs.append(type(id)) }
    for (k, slot) in chunk.pendingSlots.enumerated() {
      var s = slot
      switch slot.column {
      case .nodeRef: s.index = type(TypeID(rawValue: slot.index)).rawValue
      case .memberType: s.index = compacting ? memberMap[Int(slot.index) - start.members] : s.index + Int32(memberShift)
      case .templateType:
        s.index = compacting ? templateMap[Int(slot.index) - start.templates] : s.index + Int32(templateShift)
        // Its owner was merged away: nothing to fill, but the reference still counts.
        if s.index < 0 { s = PendingSlot(column: .counted, index: 0) }
      case .counted: break
      }
      // (Compacting: a slot of a row left out, which no node holds.)
      if s.index < 0 { continue }
      pendingSlots.append(s)
      pendingOffsets.append(chunk.pendingOffsets[k])
    }
    if let last = subprogramOffsets.last, let first = chunk.subprogramOffsets.first, last >= first { subprogramSorted = false }
    subprogramSorted = subprogramSorted && chunk.subprogramSorted
    subprogramOffsets.append(contentsOf: chunk.subprogramOffsets)
    for scope in chunk.subprogramScopes { subprogramScopes.append(name(scope)) }
    subprogramNext.append(contentsOf: chunk.subprogramNext)
    for fn in chunk.functionFixNodes { functionFixNodes.append(type(fn)) }
    for t in chunk.forwardTargets { forwardTargets.append(type(t)) }
    functionFixOffsets.append(contentsOf: chunk.functionFixOffsets)
    if trace != nil, let t = chunk.trace { trace!.append(contentsOf: t) }
    stats.add(chunk.stats)
    if firstTooDeep == nil { firstTooDeep = chunk.firstTooDeep }
    stats.siblingFallbacks += Int(clamping: chunk.walk.pointee.slow)
    stats.siblingFastSteps += Int(clamping: chunk.walk.pointee.fast)
    stats.attributeTableReads += Int(clamping: chunk.walk.pointee.decoded)
    stats.attributeLibdwReads += Int(clamping: chunk.walk.pointee.undecoded)
  }

  /// Adds the chunk's copies merged at import (`mergedInto`, in the chunk's numbering) to the
  /// decision log's `copiesMergedAtImport`, grouped by representative, each with its own DIE and
  /// unit: the reports read them as merged into it. Without `keepsCopyOrigins`, only how many
  /// copies each representative stands for.
  private mutating func recordCopies(
    _ o: TypeGraph.Columns, mergedInto: ContiguousArray<TypeID>, from start: Start, nodeMap: ContiguousArray<TypeID>,
    unitShift: Int32, name: (NameID) -> NameID
  ) {
    // The copies of each representative, in walk order (a counting sort by representative).
    let n = mergedInto.count - start.nodes
    var starts = ContiguousArray<Int32>(repeating: 0, count: n + 1)
    for i in start.nodes..<mergedInto.count where !mergedInto[i].isVoid { starts[mergedInto[i].index - start.nodes + 1] += 1 }
    for r in 0..<n { starts[r + 1] += starts[r] }
    var order = ContiguousArray<Int32>()
    if keepsCopyOrigins {
      var fill = starts
      order = ContiguousArray(repeating: 0, count: Int(starts[n]))
      for i in start.nodes..<mergedInto.count where !mergedInto[i].isVoid {
        let r = mergedInto[i].index - start.nodes
        order[Int(fill[r])] = Int32(i)
        fill[r] += 1
      }
    }
    var copies = graph.decisions.copiesMergedAtImport
    graph.decisions.copiesMergedAtImport = CopiesMergedAtImport()
    if keepsCopyOrigins { copies.beginRange(count: order.count, firstUnit: UnitID(rawValue: Int32(start.units) + unitShift)) }
    for r in 0..<n where starts[r + 1] > starts[r] {
      copies.beginGroup(nodeMap[r])
      guard keepsCopyOrigins else {
        copies.appendWithoutOrigins(Int(starts[r + 1] - starts[r]))
        continue
      }
      let rep = r + start.nodes
      for k in Int(starts[r])..<Int(starts[r + 1]) {
        let i = Int(order[k])
        let unit = o.units[i] == .none ? UnitID.none : UnitID(rawValue: o.units[i].rawValue + unitShift)
        let alike = o.scopes[i] == o.scopes[rep] && o.dwarfTags[i] == o.dwarfTags[rep]
        copies.append(dieOffset: o.dieOffsets[i], unit: unit, unlike: alike ? nil : (name(o.scopes[i]), o.dwarfTags[i]))
      }
    }
    if keepsCopyOrigins { copies.endRange() }
    graph.decisions.copiesMergedAtImport = copies
  }

  /// A walker for another range of units of the same file, configured as this one, with an
  /// empty graph but for the ELF symbols (`absorb` takes its work back). Its strings start
  /// empty too, so that no walker copies the symbols' strings (a vmlinux has 190,000): it asks
  /// this walker's table about symbol names instead (`symbolStrings`).
  func sibling() -> DWARFWalker {
    var w = DWARFWalker(dwarf: dwarf, path: path, bigEndian: bigEndian)
    w.alt = alt
    w.excludeLanguages = excludeLanguages
    w.addressBias = addressBias
    w.publicSiblingWalk = publicSiblingWalk
    w.unitProgress = unitProgress
    w.failThreadStarts = failThreadStarts
    w.stackBudget = stackBudget
    w.freshStacks = freshStacks
    w.canonicalizeRange = canonicalizeRange
    w.keepsCopyOrigins = keepsCopyOrigins
    if trace != nil { w.trace = [] }
    w.graph.symbols = graph.symbols
    w.symbolStrings = symbolStrings ?? graph.strings
    return w
  }
}

extension ImportStatistics {
  /// Adds the counts of a walk over other units; `firstUnreadable` stays the earlier one.
  mutating func add(_ o: ImportStatistics) {
    units += o.units
    dies &+= o.dies
    referencesToNonTypes += o.referencesToNonTypes
    unreadableDIEs += o.unreadableDIEs
    unreadableNames += o.unreadableNames
    truncatedUnits += o.truncatedUnits
    danglingReferences += o.danglingReferences
    typeCycles += o.typeCycles
    if firstUnreadable == nil { firstUnreadable = o.firstUnreadable }
    unsupportedMemberLocations += o.unsupportedMemberLocations
    oversizedArrays += o.oversizedArrays
    tooDeep += o.tooDeep
    mergedAtImport += o.mergedAtImport
    siblingFallbacks += o.siblingFallbacks
    excludedUnits += o.excludedUnits
    anonymousVariables += o.anonymousVariables
  }
}
