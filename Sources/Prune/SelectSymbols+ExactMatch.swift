import TypeGraph

/// The function half of `select-symbols` with `match=exact`: rustbtf's rule before pahole
/// master's (`SelectSymbols+Functions.swift`), kept for comparison.
///
/// A function node is *matched* when a defined ELF function symbol of its symbol name lies at
/// its code address (by name alone when DWARF gave no address). Matching by address, not name
/// only as pahole 1.24 does, tells apart copies of a static or `__weak` function: a definition
/// the linker discarded keeps its DWARF at address 0 and must not lend its prototype to the
/// symbol of the definition that was kept.
///
/// Matched nodes are grouped by symbol name: several descriptions of one code address keep the
/// first; different functions of one name keep the first when all prototypes are the same
/// (`PrototypeShape`) and are all removed when they differ, since a BPF program attaching by
/// name cannot say which it means (pahole 1.25's `--skip_encoding_btf_inconsistent_proto`).
struct ExactMatchSelection {
  let mode: SelectSymbols.Functions
  let nocall: SelectSymbols.ChangedCalls

  struct Candidate {
    var node: TypeID
    var symbol: NameID
    var address: UInt64
    /// Matched at its own code address (false: by name alone, DWARF gave no address).
    var byAddress = true
  }

  func run(_ graph: inout TypeGraph, _ context: inout PassContext) -> Bool {
    let symbols = graph.symbols
    var changed = false
    var candidates: [Candidate] = []
    var removedFunctions = 0
    var pruner = FunctionPruner(graph: graph)

    for id in graph.ids where graph.kind(id) == .function {
      let symbol = FunctionNaming.symbolName(id, graph)
      if mode == .all {
        candidates.append(Candidate(node: id, symbol: symbol, address: symbols.address(of: id) ?? 0))
        continue
      }
      if symbols.tableSize == 0 {
        // pahole's rule without a symbol table: external functions only.
        if graph.flags(id).contains(.external) {
          candidates.append(Candidate(node: id, symbol: symbol, address: symbols.address(of: id) ?? 0))
        } else {
          pruner.prune(id, .noSymbolTable, &graph)
          removedFunctions += 1
        }
        continue
      }
      let address = symbols.address(of: id)
      var matched: Int? = nil
      if let address {
        matched = symbols.functions(at: address).first { symbols.functionNames[$0] == symbol }
      } else {
        matched = symbols.functions(named: symbol).first
      }
      guard let k = matched else {
        pruner.prune(id, FunctionNaming.unmatchedReason(symbol, address, graph), &graph)
        removedFunctions += 1
        continue
      }
      if mode == .ftrace,
        symbols.isTraceable(address: symbols.functionAddresses[k], size: symbols.functionSizes[k]) == false
      {
        pruner.prune(id, .notTraceable, &graph)
        removedFunctions += 1
        continue
      }
      if nocall == .drop && symbols.hasChangedCall(id) {
        pruner.prune(id, .changedCallingConvention, &graph)
        removedFunctions += 1
        continue
      }
      candidates.append(Candidate(node: id, symbol: symbol, address: symbols.functionAddresses[k], byAddress: address != nil))
    }

    if mode != .all {
      removedFunctions += onePerName(&candidates, &pruner, &graph)
    }
    changed = removedFunctions > 0
    for c in candidates { changed = FunctionNaming.nameBySymbol(c.node, c.symbol, &graph) || changed }
    if mode != .all && symbols.tableSize == 0 && removedFunctions > 0 {
      context.diagnostics.append(
        "select-symbols: the file has no ELF symbol table; kept only the external functions (\(removedFunctions) static ones removed)")
    }
    return changed
  }

  /// Keeps one candidate per symbol name; returns how many were removed.
  func onePerName(_ candidates: inout [Candidate], _ pruner: inout FunctionPruner, _ graph: inout TypeGraph) -> Int {
    // Group by symbol name, keeping DIE (id) order within a group.
    let order = candidates.indices.sorted {
      candidates[$0].symbol != candidates[$1].symbol
        ? candidates[$0].symbol < candidates[$1].symbol : candidates[$0].node < candidates[$1].node
    }
    var keep = [Bool](repeating: true, count: candidates.count)
    var removed = 0
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && candidates[order[end]].symbol == candidates[order[start]].symbol { end += 1 }
      defer { start = end }
      if end - start == 1 { continue }
      // A description without an address (an inlined function's abstract instance) only
      // stands in when no description of that name has its own code address.
      let anyByAddress = order[start..<end].contains { candidates[$0].byAddress }
      // Several descriptions of one code address: the first stands for them.
      var distinct: [Int] = []
      for i in order[start..<end] {
        if anyByAddress && !candidates[i].byAddress {
          keep[i] = false
          pruner.prune(candidates[i].node, .inlinedCopy, &graph)
          removed += 1
          continue
        }
        if distinct.contains(where: { candidates[$0].address == candidates[i].address }) {
          keep[i] = false
          pruner.prune(candidates[i].node, .sameCode, &graph)
          removed += 1
        } else {
          distinct.append(i)
        }
      }
      if distinct.count == 1 { continue }
      let shapes = distinct.map { PrototypeShape.of(graph.ref(candidates[$0].node), in: graph) }
      if shapes.allSatisfy({ $0 == shapes[0] }) {
        for i in distinct.dropFirst() {
          keep[i] = false
          pruner.prune(candidates[i].node, .duplicateName, &graph)
          removed += 1
        }
      } else {
        let reason = inconsistency(distinct.map { candidates[$0].node }, shapes, graph)
        for i in distinct {
          keep[i] = false
          pruner.prune(candidates[i].node, reason, &graph)
          removed += 1
        }
      }
    }
    candidates = candidates.indices.filter { keep[$0] }.map { candidates[$0] }
    return removed
  }

  /// Several definitions with different prototypes, and their compile units.
  func inconsistency(_ nodes: [TypeID], _ shapes: [String], _ graph: TypeGraph) -> SelectSymbols.Reason {
    var units: [String] = []
    for n in nodes {
      let u = graph.units[n.index]
      let name =
        u.rawValue >= 0 && Int(u.rawValue) < graph.compileUnits.count
        ? graph.strings.string(graph.compileUnits[Int(u.rawValue)].name) : "?"
      if !units.contains(name) { units.append(name) }
    }
    return .inconsistentPrototypes(definitions: nodes.count, prototypes: Set(shapes).count, units: units)
  }
}
