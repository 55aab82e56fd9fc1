import TypeGraph

/// The function half of `select-symbols`.
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
struct FunctionSelection {
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
      let symbol = Self.symbolName(id, graph)
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
        pruner.prune(id, unmatchedReason(symbol, address, graph), &graph)
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
    for c in candidates { changed = nameBySymbol(c, &graph) || changed }
    if mode != .all && symbols.tableSize == 0 && removedFunctions > 0 {
      context.diagnostics.append(
        "select-symbols: the file has no ELF symbol table; kept only the external functions (\(removedFunctions) static ones removed)")
    }
    return changed
  }

  /// The name the function's ELF symbol has: its linkage name when DWARF gives one (mangled
  /// Rust and C++), else its name (C, `#[no_mangle]` Rust).
  static func symbolName(_ id: TypeID, _ graph: TypeGraph) -> NameID {
    let linkage = graph.linkageNames[id.index]
    return linkage.isEmpty ? graph.name(id) : linkage
  }

  /// Why a function has no symbol of its name at its address.
  func unmatchedReason(_ symbol: NameID, _ address: UInt64?, _ graph: TypeGraph) -> Decision.Reason {
    let symbols = graph.symbols
    let name = graph.strings.string(symbol)
    if let address {
      let here = symbols.functions(at: address).map { graph.strings.string(symbols.functionNames[$0]) }
      // GCC's clones (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`) and LLVM's (`.llvm.N`)
      // keep the DWARF name of the function they were made from.
      if let clone = here.first(where: { $0.hasPrefix(name + ".") }) {
        return .compiledAsClone(symbol: clone)
      }
      let elsewhere = symbols.functions(named: symbol)
      if let other = elsewhere.first {
        return .symbolIsAnotherCopy(name: name, symbolAddress: symbols.functionAddresses[other], address: address)
      }
      if let other = here.first { return .symbolHasAnotherName(other) }
    }
    return .noSymbol
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
  func inconsistency(_ nodes: [TypeID], _ shapes: [String], _ graph: TypeGraph) -> Decision.Reason {
    var units: [String] = []
    for n in nodes {
      let u = graph.units[n.index]
      let name = u.rawValue >= 0 && Int(u.rawValue) < graph.compileUnits.count
        ? graph.strings.string(graph.compileUnits[Int(u.rawValue)].name) : "?"
      if !units.contains(name) { units.append(name) }
    }
    return .inconsistentPrototypes(definitions: nodes.count, prototypes: Set(shapes).count, units: units)
  }

  /// Names a Rust FUNC by its symbol and flags it `symbolName`: the symbol already says where
  /// it comes from, and `sanitize-names` must not qualify it (the kernel's kallsyms shows the
  /// symbol, which is what a BPF program attaches by). The namespace path stays, for the
  /// original name `--tag-original-names` gives it.
  func nameBySymbol(_ c: Candidate, _ graph: inout TypeGraph) -> Bool {
    guard graph.flags(c.node).contains(.rust), !c.symbol.isEmpty else { return false }
    var changed = false
    if !graph.flags(c.node).contains(.symbolName) {
      graph.addFlags(c.node, .symbolName)
      changed = true
    }
    let old = graph.name(c.node)
    if old != c.symbol {
      graph.rename(c.node, to: c.symbol, pass: SelectSymbols.name, reason: .namedBySymbol)
      changed = true
    }
    return changed
  }
}

/// Removes FUNCs with their FUNC_PROTO when no one else uses it (the importer gives every
/// function a prototype of its own; hand-built graphs and decoded BTF may share one).
struct FunctionPruner {
  /// Per prototype: FUNCs pointing at it (saturating at 254), or `shared` when a node other
  /// than a FUNC refers to it (then it always stays). One byte per node.
  private var users: [UInt8]
  private static let shared: UInt8 = 255

  init(graph: TypeGraph) {
    users = [UInt8](repeating: 0, count: graph.count)
    for id in graph.ids {
      switch graph.kind(id) {
      case .removed, .void: continue
      case .function:
        let p = graph.ref(id).index
        if users[p] < Self.shared - 1 { users[p] += 1 }
      default:
        graph.forEachReference(of: id) { t in
          if graph.kind(t) == .functionProto { users[t.index] = Self.shared }
        }
      }
    }
  }

  mutating func prune(_ id: TypeID, _ reason: Decision.Reason, _ graph: inout TypeGraph) {
    let proto = graph.ref(id)
    let decision = graph.prune(id, pass: SelectSymbols.name, reason: reason)
    guard !proto.isVoid, graph.kind(proto) == .functionProto else { return }
    let n = users[proto.index]
    // A count that saturated is never known to reach zero: that prototype stays.
    guard n > 0 && n < Self.shared - 1 else { return }
    users[proto.index] = n - 1
    if n == 1 { graph.prune(proto, pass: SelectSymbols.name, reason: .prototypeOfPruned, cause: decision) }
  }
}
