import TypeGraph

/// The variable half of `select-symbols`: per-CPU variables, as pahole keeps them.
///
/// The importer has already written the `.data..percpu` DATASEC of the per-CPU variables
/// (`PercpuPlacement`: address in the section, a symbol there, sizes that fit, no overlap),
/// while its graph was uniquely owned; adding a node here would copy every column of a
/// multi-million-node graph. So this half only chooses: `percpu` removes every VAR the DATASEC
/// does not list, `none` removes them all and the DATASEC, `all` keeps them; and it names each
/// per-CPU VAR by its symbol, as pahole does.
struct VariableSelection {
  let mode: SelectSymbols.Variables

  func run(_ graph: inout TypeGraph, _ context: inout PassContext) -> Bool {
    let placement = PercpuPlacement(graph: graph)
    // Variables the importer's DATASEC lists (the decision is the importer's; recomputing it
    // here could only disagree if a pass before this one changed a type's size).
    var listed = Set<TypeID>()
    var datasecs: [TypeID] = []
    for id in graph.ids where graph.kind(id) == .dataSection {
      datasecs.append(id)
      for i in graph.memberRange(id) { listed.insert(graph.memberTypes[i]) }
    }
    var changed = false
    if mode == .none {
      // The DATASEC first: it refers to its VARs.
      for d in datasecs { prune(d, .variablesNone, &graph) }
      for id in graph.ids where graph.kind(id) == .variable {
        prune(id, .variablesNone, &graph)
        changed = true
      }
      return changed || !datasecs.isEmpty
    }
    if mode == .percpu {
      var why: [TypeID: PercpuPlacement.Exclusion] = [:]
      for (v, w) in placement.excluded { why[v] = w }
      for id in graph.ids where graph.kind(id) == .variable && !listed.contains(id) {
        prune(id, why[id].map { reason($0, graph) } ?? .notPercpu, &graph)
        changed = true
      }
    }
    for e in placement.entries where listed.contains(e.variable) && graph.name(e.variable) != e.symbol {
      graph.rename(e.variable, to: e.symbol, flags: .symbolName, pass: SelectSymbols.name, reason: .namedBySymbol)
      changed = true
    }
    return changed
  }

  func reason(_ why: PercpuPlacement.Exclusion, _ graph: TypeGraph) -> Decision.Reason {
    switch why {
    case .noPercpuSymbols: .noPercpuSection
    case .noAddress: .noStaticAddress
    case .outsideSection: .notPercpu
    case .noSymbolAtOffset: .noPercpuSymbol
    case .unsized: .unsizedPercpu
    case .symbolSmaller(let s, let t): .percpuSymbolSmaller(symbolBytes: s, typeBytes: t)
    case .sameSymbol: .samePercpuSymbol
    case .overlaps(let other): .percpuOverlaps(previous: graph.nameString(other))
    }
  }

  func prune(_ id: TypeID, _ reason: Decision.Reason, _ graph: inout TypeGraph) {
    graph.prune(id, pass: SelectSymbols.name, reason: reason)
  }
}
