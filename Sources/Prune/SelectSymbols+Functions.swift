import TypeGraph

/// The function half of `select-symbols` (`match=pahole`, the default): pahole master's rules
/// for which functions get a FUNC (`btf_encoder.c`: `elf_functions__collect`,
/// `btf_encoder__encode_cu`, `saved_functions_combine`, `btf_encoder__add_saved_funcs`).
///
/// 1. ELF function symbols are keyed by their name cut at the first `.` (`foo.constprop.0` and
///    `foo.isra.0` are `foo`'s; `.cold` and `.part` pieces are left out). Every function node
///    whose symbol name is such a key, and whose parameters all have names, is a *state* of
///    that key; the rest are removed (no symbol).
/// 2. Each state gets what its DWARF says about how it is called (`CallFacts`, from the
///    importer's `FunctionFacts` and the parameter types): optimized-out parameters, a parameter
///    in a register its slot does not use, a reordered clone, a packed struct on the stack.
/// 3. Per key, in pahole's order of precedence (the last that holds is the reason given):
///    unexpected register, inconsistent prototypes, uncertain parameter location, reordered
///    parameters, optimized parameters of a function whose ABI changed, ambiguous address.
///    Any of them removes every state of the key. Otherwise the *canonical* state is kept: the
///    first whose code address is one of the key's symbols' and that needs no optimized-parameter
///    skip (a strong definition wins over a discarded weak one); the others are removed.
/// 4. Rust functions (stricter): every parameter must be where the C calling convention puts
///    its slot (`CallFacts.rustMismatch`), since rustc's ABI is not C's.
struct FunctionSelection {
  let mode: SelectSymbols.Functions
  let nocall: SelectSymbols.ChangedCalls
  /// `SelectSymbols.keysPerThread`.
  let keysPerThread: Int

  struct Candidate {
    var key: NameID
    var node: TypeID
  }

  func run(_ graph: inout TypeGraph, _ context: inout PassContext) -> Bool {
    let symbols = graph.symbols
    var removed = 0
    var pruner = FunctionPruner(graph: graph)
    var candidates: [Candidate] = []
    var kept: [Candidate] = []

    for id in graph.ids where graph.kind(id) == .function {
      let symbol = FunctionNaming.symbolName(id, graph)
      if mode == .all {
        kept.append(Candidate(key: symbol, node: id))
        continue
      }
      if symbols.tableSize == 0 {
        // pahole's rule without a symbol table: external functions only.
        if graph.flags(id).contains(.external) {
          kept.append(Candidate(key: symbol, node: id))
        } else {
          pruner.prune(id, .noSymbolTable, &graph)
          removed += 1
        }
        continue
      }
      if symbols.functions(withBaseName: symbol).isEmpty {
        pruner.prune(id, FunctionNaming.unmatchedReason(symbol, symbols.address(of: id), graph), &graph)
        removed += 1
        continue
      }
      if let unnamed = Self.unnamedParameter(id, graph) {
        pruner.prune(id, .unnamedParameter(index: unnamed), &graph)
        removed += 1
        continue
      }
      candidates.append(Candidate(key: symbol, node: id))
    }

    if mode != .all {
      candidates.sort { $0.key != $1.key ? $0.key < $1.key : $0.node < $1.node }
      var groups: [Range<Int>] = []
      var start = 0
      while start < candidates.count {
        var end = start + 1
        while end < candidates.count && candidates[end].key == candidates[start].key { end += 1 }
        groups.append(start..<end)
        start = end
      }
      // Each key's decision reads the graph only: decided on `context.threads` threads, applied
      // here in key order.
      let decided = decideAll(groups, candidates, graph, symbols, threads: context.threads)
      for (range, outcome) in zip(groups, decided) {
        let group = candidates[range].map(\.node)
        let key = candidates[range.lowerBound].key
        switch outcome {
        case .skip(let reason):
          for n in group { pruner.prune(n, reason, &graph) }
          removed += group.count
        case .keep(let canonical):
          for n in group where n != canonical {
            pruner.prune(n, otherStateReason(n, canonical, graph), &graph)
            removed += 1
          }
          kept.append(Candidate(key: key, node: canonical))
        }
      }
    }

    var changed = removed > 0
    for c in kept { changed = FunctionNaming.nameBySymbol(c.node, c.key, &graph) || changed }
    if mode != .all && symbols.tableSize == 0 && removed > 0 {
      context.diagnostics.append(
        "select-symbols: the file has no ELF symbol table; kept only the external functions (\(removed) static ones removed)")
    }
    return changed
  }

  enum Outcome {
    case keep(TypeID)
    case skip(SelectSymbols.Reason)
  }

  /// `decide` for each group of `candidates` (a key's states), in order. A distribution
  /// vmlinux has 60,000 keys: their call facts and symbol lookups were most of the pass.
  func decideAll(
    _ groups: [Range<Int>], _ candidates: [Candidate], _ graph: TypeGraph, _ symbols: ELFSymbols, threads: Int
  ) -> [Outcome] {
    inParallelChunks(count: groups.count, threads: threads, minimumPerThread: keysPerThread) { chunk in
      var analysis = CallAnalysis(graph: graph)
      return groups[chunk].map { range in
        decide(candidates[range.lowerBound].key, candidates[range].map(\.node), &analysis, graph, symbols)
      }
    }.flatMap { $0 }
  }

  /// pahole's decision for the states of one key (`btf_encoder__add_saved_funcs`).
  /// `symbols` is `graph.symbols`, taken once by the caller: each `graph.symbols` is a copy of
  /// its columns (a retain and a release of each), which per function showed in the profile.
  func decide(_ key: NameID, _ group: [TypeID], _ analysis: inout CallAnalysis, _ graph: TypeGraph, _ symbols: ELFSymbols) -> Outcome {
    let syms = symbols.functions(withBaseName: key)
    let facts = group.map { analysis.facts(of: $0, symbolsOf: syms, graph, symbols) }

    // The states' flags are shared (saved_functions_combine): any one's holds for all.
    let unexpected = facts.firstIndex { $0.unexpectedRegister != nil }
    let reordered = facts.contains { $0.reordered }
    let uncertain = facts.contains { $0.uncertainLocation }
    var inconsistent = false
    if unexpected == nil && !reordered {
      for k in group.indices.dropFirst() where !PrototypeShape.matches(graph.ref(group[0]), graph.ref(group[k]), in: graph) {
        inconsistent = true
        break
      }
    }
    // The canonical state: the first at one of the symbols' addresses that needs no
    // optimized-parameter skip; else the first at such an address; else the first.
    var canonical: Int? = nil
    var firstAtSymbol: Int? = nil
    for (k, f) in facts.enumerated() {
      guard let a = f.address, syms.contains(where: { symbols.functionAddresses[Int($0)] == a }) else { continue }
      if firstAtSymbol == nil { firstAtSymbol = k }
      if !skipsOptimized(f) {
        canonical = k
        break
      }
    }
    let chosen = canonical ?? firstAtSymbol ?? 0
    var addresses = Set<UInt64>()
    for s in syms { addresses.insert(symbols.functionAddresses[Int(s)]) }

    // pahole's order: a later rule's reason replaces an earlier one's.
    var reason: SelectSymbols.Reason? = nil
    if let k = unexpected, let u = facts[k].unexpectedRegister {
      reason = .unexpectedRegister(parameter: u.parameter, register: u.register, expected: u.expected)
    }
    if inconsistent { reason = inconsistency(group, graph) }
    if uncertain { reason = .uncertainParameterLocation }
    if reordered { reason = .reorderedParameters }
    if skipsOptimized(facts[chosen]) {
      reason = .optimizedParameters(clone: facts[chosen].optimizedSymbol.map { graph.strings.string(symbols.functionNames[$0]) })
    }
    if addresses.count > 1 { reason = .ambiguousAddress(symbols: syms.count, addresses: addresses.count) }
    if let reason { return .skip(reason) }

    // rustbtf's own rules, after pahole's.
    let f = facts[chosen]
    if nocall == .drop && f.nocall { return .skip(.changedCallingConvention) }
    if let m = f.rustMismatch { return .skip(.notCABI(parameter: m.parameter, why: m.why)) }
    if mode == .ftrace, let a = f.address ?? syms.first.map({ symbols.functionAddresses[Int($0)] }) {
      let k = symbols.functions(at: a).first { syms.contains(Int32($0)) } ?? Int(syms.first!)
      if symbols.isTraceable(address: symbols.functionAddresses[k], size: symbols.functionSizes[k]) == false {
        return .skip(.notTraceable)
      }
    }
    return .keep(group[chosen])
  }

  /// pahole's `btf_encoder_func_state__skip_optimized_parms`: a parameter optimized out of a
  /// function whose ABI changed (`DW_CC_nocall` from clang, a `.constprop`/`.isra` symbol at its
  /// address from GCC). `nocall=keep` never skips for `DW_CC_nocall`.
  func skipsOptimized(_ f: CallFacts) -> Bool {
    f.optimizedParameters && ((f.signatureChanged && nocall != .keep) || f.optimizedSymbol != nil)
  }

  /// Why a state other than the canonical one is removed.
  func otherStateReason(_ n: TypeID, _ canonical: TypeID, _ graph: TypeGraph) -> SelectSymbols.Reason {
    let a = graph.symbols.address(of: n)
    if a == nil { return .inlinedCopy }
    if a == graph.symbols.address(of: canonical) { return .sameCode }
    return .duplicateName
  }

  /// The index of the first parameter without a name, if any (pahole's `ftype__has_arg_names`:
  /// such a function gets no FUNC); `...` (no name, no type, wherever GCC put it) is not a
  /// parameter.
  static func unnamedParameter(_ id: TypeID, _ graph: TypeGraph) -> Int? {
    let proto = graph.ref(id)
    guard graph.kind(proto) == .functionProto else { return nil }
    var k = 0
    for i in graph.memberRange(proto) {
      if graph.memberNames[i].isEmpty {
        if graph.memberTypes[i].isVoid { continue }
        return k
      }
      k += 1
    }
    return nil
  }

  /// Several definitions with different prototypes, and their compile units.
  func inconsistency(_ nodes: [TypeID], _ graph: TypeGraph) -> SelectSymbols.Reason {
    var units: [String] = []
    for n in nodes {
      let u = graph.units[n.index]
      let name =
        u.rawValue >= 0 && Int(u.rawValue) < graph.compileUnits.count
        ? graph.strings.string(graph.compileUnits[Int(u.rawValue)].name) : "?"
      if !units.contains(name) { units.append(name) }
    }
    let shapes = Set(nodes.map { PrototypeShape.of(graph.ref($0), in: graph) })
    return .inconsistentPrototypes(definitions: nodes.count, prototypes: shapes.count, units: units)
  }
}

/// How functions are named and why one has no symbol, for both matching rules.
enum FunctionNaming {
  /// The name the function's ELF symbol has: its linkage name when DWARF gives one (mangled
  /// Rust and C++), else its name (C, `#[no_mangle]` Rust).
  static func symbolName(_ id: TypeID, _ graph: TypeGraph) -> NameID {
    let linkage = graph.linkageNames[id.index]
    return linkage.isEmpty ? graph.name(id) : linkage
  }

  /// Why a function has no symbol of its name at its address.
  static func unmatchedReason(_ symbol: NameID, _ address: UInt64?, _ graph: TypeGraph) -> SelectSymbols.Reason {
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

  /// Names a Rust FUNC by its symbol and flags it `symbolName`: the symbol already says where
  /// it comes from, and `sanitize-names` must not qualify it (the kernel's kallsyms shows the
  /// symbol, which is what a BPF program attaches by). The namespace path stays, for the
  /// original name `--tag-original-names` gives it.
  static func nameBySymbol(_ node: TypeID, _ symbol: NameID, _ graph: inout TypeGraph) -> Bool {
    guard graph.flags(node).contains(.rust), !symbol.isEmpty else { return false }
    var changed = false
    if !graph.flags(node).contains(.symbolName) {
      graph.addFlags(node, .symbolName)
      changed = true
    }
    let old = graph.name(node)
    if old != symbol {
      graph.rename(node, to: symbol, pass: SelectSymbols.name, reason: SelectSymbols.Reason.namedBySymbol)
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

  mutating func prune(_ id: TypeID, _ reason: SelectSymbols.Reason, _ graph: inout TypeGraph) {
    let proto = graph.ref(id)
    let decision = graph.prune(id, pass: SelectSymbols.name, reason: reason)
    guard !proto.isVoid, graph.kind(proto) == .functionProto else { return }
    let n = users[proto.index]
    // A count that saturated is never known to reach zero: that prototype stays.
    guard n > 0 && n < Self.shared - 1 else { return }
    users[proto.index] = n - 1
    if n == 1 { graph.prune(proto, pass: SelectSymbols.name, reason: SelectSymbols.Reason.prototypeOfPruned, cause: decision) }
  }
}
