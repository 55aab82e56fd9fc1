import TypeGraph

/// The variable half of `select-symbols`: which VARs and DATASECs are written, as pahole 1.31
/// chooses them (feature `var`: the per-CPU ones; `global_var`: every section's).
///
/// The importer has already written one DATASEC per ELF section holding placed variables
/// (`DatasecPlacement`), while its graph was uniquely owned: adding a node here would copy every
/// column of a multi-million-node graph. So this half only chooses: `percpu` keeps the
/// `.data..percpu` DATASEC and its VARs, `global` every DATASEC and its VARs, `all` every VAR
/// (and every DATASEC), `none` nothing. Each VAR removed gets the placement's reason.
struct VariableSelection {
  let mode: SelectSymbols.Variables

  static let percpuSection = ".data..percpu"

  func run(_ graph: inout TypeGraph, _ context: inout PassContext) -> Bool {
    var datasecs: [TypeID] = []
    for id in graph.ids where graph.kind(id) == .dataSection { datasecs.append(id) }
    let variables = graph.ids.filter { graph.kind($0) == .variable }
    switch mode {
    case .all:
      return false
    case .none:
      // The DATASECs first: they refer to their VARs.
      for d in datasecs { prune(d, .variablesNone, &graph) }
      for id in variables { prune(id, .variablesNone, &graph) }
      return !datasecs.isEmpty || !variables.isEmpty
    case .percpu, .global:
      break
    }
    // The VARs of the DATASECs kept, sorted; a DATASEC not kept goes first, with its VARs.
    var listed: [TypeID] = []
    var changed = false
    for d in datasecs {
      let section = graph.nameString(d)
      if mode == .percpu && section != Self.percpuSection {
        prune(d, .notPercpu(section: section), &graph)
        changed = true
        continue
      }
      for i in graph.memberRange(d) { listed.append(graph.memberTypes[i]) }
    }
    listed.sort()
    // Reasons for the others: the placement, recomputed (the decisions are the importer's;
    // they could only differ if a pass before this one changed a type's size).
    let placement = DatasecPlacement(graph: graph)
    let sections = graph.symbols.dataSections
    for id in variables where !Self.contains(listed, id) {
      let why: SelectSymbols.Reason =
        if let e = placement.exclusion(of: id) {
          reason(e, graph, sections)
        } else if let s = sections.section(containing: graph.symbols.address(of: id) ?? 0) {
          .notPercpu(section: graph.strings.string(sections.names[s]))
        } else {
          .notInDataSection
        }
      prune(id, why, &graph)
      changed = true
    }
    return changed
  }

  static func contains(_ sorted: [TypeID], _ id: TypeID) -> Bool {
    var lo = 0
    var hi = sorted.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if sorted[mid] < id { lo = mid + 1 } else { hi = mid }
    }
    return lo < sorted.count && sorted[lo] == id
  }

  func reason(_ why: DatasecPlacement.Exclusion, _ graph: TypeGraph, _ sections: ELFSymbols.DataSections) -> SelectSymbols.Reason {
    func name(_ k: Int32) -> String { graph.strings.string(sections.names[Int(k)]) }
    switch why {
    case .notFileScope: return .notFileScope
    case .artificial: return .artificialVariable
    case .noAddress: return .noStaticAddress
    case .notInDataSection: return .notInDataSection
    case .skippedPrefix(let k): return .skippedVariablePrefix(DatasecPlacement.skippedPrefixes[k])
    case .discarded(let k): return .discardedVariable(section: name(k))
    case .void: return .voidVariable
    case .unsized: return .unsizedVariable
    case .tooLarge(let bytes): return .variableTooLarge(bytes: bytes)
    case .offsetTooLarge(let k, let offset): return .offsetTooLarge(section: name(k), offset: offset)
    case .overlaps(let other, let k): return .variableOverlaps(previous: graph.nameString(other), section: name(k))
    }
  }

  func prune(_ id: TypeID, _ reason: SelectSymbols.Reason, _ graph: inout TypeGraph) {
    graph.prune(id, pass: SelectSymbols.name, reason: reason)
  }
}
