import TypeGraph

extension Dedup: MergesIntoSplitBase {
  /// Split BTF, after every pass (`PassPipeline.run`): the module's types merge into the base
  /// types they equal; with every base type a node (`base` nil), `run` over all of them does.
  public mutating func mergeIntoSplitBase(
    _ graph: inout TypeGraph, base: inout (any SplitBaseTypes)?, context: inout PassContext
  ) throws -> PassResult {
    guard var lazy = base else { return try run(on: &graph, context: &context) }
    defer { base = lazy }
    return try mergeIntoSplitBase(&graph, base: &lazy, context: &context)
  }

  /// Merges a module's types into the base types they equal, with the base decoded only where
  /// a module type can equal it (split BTF; `Conversion` with `--btf_base`). The result is the
  /// one `run` gives with every base type a node (`SplitBTF.attachBase`) when the base holds no
  /// two equal types, as vmlinux BTF from rustbtf or pahole does not.
  ///
  /// Which base types to decode:
  /// 1. every definition named as a module forward declaration is, which `resolveForwards`
  ///    then sees, as it would see all of them; and every base forward declaration named as a
  ///    module definition, with the base's definitions of that name, so that `resolveForwards`
  ///    can point the base's declaration at the module's definition (a base that only
  ///    declares `struct ib_mad`, a module that defines it);
  /// 2. for each named module type, the base types of its name and kind are tried in id order,
  ///    each by walking both in step (Hopcroft–Karp's check for equal automata): pairs are
  ///    assumed equal when met again, labels must be equal (`labelsEqual`, the rule `run` uses),
  ///    and a module type can stand for one base type. The first base type that passes is the
  ///    module type's, and so are the pairs the walk met;
  /// 3. anonymous module types not reached so, children first, are looked up among the base's
  ///    anonymous types by kind, entries and the base types their references stand for
  ///    (`AnonymousKey`), then checked label by label;
  /// then `run` merges as always, over the module's nodes and the decoded base ones: a module
  /// type that equals a base type is in its class, and a placeholder (a base type that was not
  /// decoded) is in a class of its own, as no module type equals it.
  public mutating func mergeIntoSplitBase<Base: SplitBaseTypes>(
    _ g: inout TypeGraph, base: inout Base, context: inout PassContext
  ) throws -> PassResult {
    guard let firstBase = g.splitBase?.nodes.lowerBound else { return try run(on: &g, context: &context) }
    for i in 1..<firstBase where Self.isForward(g, TypeID(i)) && !g.name(TypeID(i)).isEmpty {
      for b in base.types(named: g.name(TypeID(i)), in: g) {
        switch base.kind(of: b) {
        case .structure, .union, .enumeration, .enum64: try base.decode(base.node(b, in: &g), in: &g)
        default: break
        }
      }
    }
    for i in 1..<firstBase where !Self.isForward(g, TypeID(i)) && Self.forwardFamily(g, TypeID(i)) != nil && !g.name(TypeID(i)).isEmpty {
      let named = base.types(named: g.name(TypeID(i)), in: g)
      guard named.contains(where: { base.kind(of: $0) == .forward }) else { continue }
      for b in named {
        switch base.kind(of: b) {
        case .forward, .structure, .union, .enumeration, .enum64: try base.decode(base.node(b, in: &g), in: &g)
        default: break
        }
      }
    }
    var baseForwards: [(forward: TypeID, definition: TypeID)] = []
    let forwards = resolveForwards(&g, baseForwards: &baseForwards)
    var pairs = BasePairs(moduleNodes: firstBase)
    for (forward, definition) in baseForwards {
      base.resolveForward(g.splitBase!.baseID(forward), to: definition)
      pairs.baseForward[definition.index] = forward
    }
    for i in 1..<firstBase {
      let m = TypeID(i)
      guard !g.name(m).isEmpty, pairs.matched[i].isVoid, Self.mayMerge(g.kind(m)) else { continue }
      for b in base.types(named: g.name(m), in: g) where base.kind(of: b) == g.kind(m) {
        if try pairs.equal(m, base.node(b, in: &g), &g, &base) { break }
      }
    }
    try pairs.matchAnonymous(&g, &base)
    let result = try run(on: &g, context: &context)
    return forwards > 0 ? .changed : result
  }
}

extension Dedup {
  /// Per node of the split base (by its offset in `splitBase.nodes`; empty when there is none
  /// such): whether the node reaches a module node by value, through typedefs, modifiers and
  /// type tags. That module node is a definition a base forward declaration was resolved to
  /// (`resolveForwards`): the base node equals the module's copy, which reaches the definition,
  /// but its record refers to the declaration, which has no size. So `merge` keeps the module's
  /// copy for whatever holds it by value (ib_uverbs.ko's arrays of `const struct
  /// uapi_definition`, a struct vmlinux only declares: merged into vmlinux's `const` they were
  /// arrays of a declaration, "Invalid elem"); a pointer to it merges into the base's as usual.
  static func baseNodesReachingModuleNodes(_ g: TypeGraph) -> [Bool] {
    guard let base = g.splitBase?.nodes, !base.isEmpty else { return [] }
    var out: [Bool] = []
    for i in base {
      var t = TypeID(i)
      var reaches = false
      // A chain of modifiers ends within 32 steps in BTF the kernel takes.
      chain: for _ in 0..<32 {
        switch g.kind(t) {
        case .typedef, .const, .volatile, .restrict, .typeTag: break
        default: break chain
        }
        let r = g.ref(t)
        if r.isVoid || g.kind(r) == .void { break }
        if !base.contains(r.index) {
          reaches = true
          break
        }
        t = r
      }
      if reaches {
        if out.isEmpty { out = [Bool](repeating: false, count: base.count) }
        out[i - base.lowerBound] = true
      }
    }
    return out
  }
}

/// The module types found equal to base types, and the walk that finds them.
private struct BasePairs {
  /// Per module node: the base node it equals (void: none found).
  var matched: ContiguousArray<TypeID>
  /// Per module node: the base forward declaration resolved to it (void: none), which the
  /// base's types refer to where the module's refer to the definition.
  var baseForward: ContiguousArray<TypeID>
  /// Per module node: the base node assumed during the walk under way.
  private var assumed: ContiguousArray<TypeID>
  /// Pairs (module << 32 | base) found unequal: a label differs along the way, so they are
  /// unequal whatever was assumed.
  private var unequal = Set<UInt64>()

  init(moduleNodes: Int) {
    matched = ContiguousArray(repeating: .void, count: moduleNodes)
    assumed = ContiguousArray(repeating: .void, count: moduleNodes)
    baseForward = ContiguousArray(repeating: .void, count: moduleNodes)
  }

  /// Whether module node `m0` equals base node `b0`; when it does, every pair the walk met is
  /// recorded in `matched`.
  mutating func equal<Base: SplitBaseTypes>(_ m0: TypeID, _ b0: TypeID, _ g: inout TypeGraph, _ base: inout Base) throws -> Bool {
    var stack = [(m0, b0)]
    var walked: [TypeID] = []
    var same = true
    walk: while let (m, b) = stack.popLast() {
      if m == b { continue }
      let mVoid = m.isVoid || g.kind(m) == .void
      let bVoid = b.isVoid || g.kind(b) == .void
      if mVoid || bVoid {
        if mVoid && bVoid { continue }
        same = false
        break walk
      }
      // A base node on the module's side (a forward resolved to the base) equals only itself,
      // and so does a module node on the base's side (a base forward resolved to the module).
      guard m.index < matched.count, b.index >= matched.count else {
        same = false
        break walk
      }
      if !matched[m.index].isVoid || !assumed[m.index].isVoid {
        if matched[m.index] == b || assumed[m.index] == b { continue }
        same = false
        break walk
      }
      let key = UInt64(UInt32(m.rawValue)) << 32 | UInt64(UInt32(b.rawValue))
      guard Dedup.mayMerge(g.kind(m)), !unequal.contains(key) else {
        same = false
        break walk
      }
      try base.decode(b, in: &g)
      guard Dedup().labelsEqual(g, m, b) else {
        unequal.insert(key)
        same = false
        break walk
      }
      assumed[m.index] = b
      walked.append(m)
      for k in 0..<g.referenceCount(of: m) { stack.append((g.reference(of: m, at: k), g.reference(of: b, at: k))) }
    }
    for m in walked {
      if same { matched[m.index] = assumed[m.index] }
      assumed[m.index] = .void
    }
    if !same { unequal.insert(UInt64(UInt32(m0.rawValue)) << 32 | UInt64(UInt32(b0.rawValue))) }
    return same
  }

  /// Anonymous module types no walk reached, children before parents: each is looked up by its
  /// `AnonymousKey` among the base's anonymous types, and equals the first whose label is the
  /// same and whose references are the base nodes its own stand for.
  mutating func matchAnonymous<Base: SplitBaseTypes>(_ g: inout TypeGraph, _ base: inout Base) throws {
    // 0 not seen, 1 on the stack, 2 done.
    var state = [UInt8](repeating: 0, count: matched.count)
    func candidate(_ t: TypeID) -> Bool {
      t.index > 0 && t.index < matched.count && matched[t.index].isVoid && g.name(t).isEmpty && Dedup.mayMerge(g.kind(t))
    }
    for root in 1..<matched.count where state[root] == 0 && candidate(TypeID(root)) {
      var stack: [(TypeID, Int)] = [(TypeID(root), 0)]
      state[root] = 1
      while let (t, next) = stack.last {
        if next < g.referenceCount(of: t) {
          stack[stack.count - 1].1 += 1
          let r = g.reference(of: t, at: next)
          if candidate(r) && state[r.index] == 0 {
            state[r.index] = 1
            stack.append((r, 0))
          }
          continue
        }
        stack.removeLast()
        state[t.index] = 2
        try matchOne(t, &g, &base)
      }
    }
  }

  /// The base node a reference of a module node stands for: itself for void and base nodes,
  /// the match of a module node, the base forward declaration resolved to a module definition;
  /// nil when it has none.
  fileprivate func standIn(_ t: TypeID, _ g: TypeGraph) -> TypeID? {
    if t.isVoid || g.kind(t) == .void { return .void }
    if t.index >= matched.count { return t }
    if !baseForward[t.index].isVoid { return baseForward[t.index] }
    return matched[t.index].isVoid ? nil : matched[t.index]
  }

  private mutating func matchOne<Base: SplitBaseTypes>(_ m: TypeID, _ g: inout TypeGraph, _ base: inout Base) throws {
    guard let key = anonymousKey(m, g) else { return }
    for b in base.anonymousTypes(key: key) where base.kind(of: b) == g.kind(m) {
      let node = base.node(b, in: &g)
      try base.decode(node, in: &g)
      guard Dedup().labelsEqual(g, m, node) else { continue }
      var same = true
      for k in 0..<g.referenceCount(of: m) {
        let r = g.reference(of: m, at: k)
        let s = g.reference(of: node, at: k)
        if r == s { continue }
        guard let stand = standIn(r, g), stand == s || (stand.isVoid && g.kind(s) == .void) else {
          same = false
          break
        }
      }
      if same {
        matched[m.index] = node
        return
      }
    }
  }

  /// `LazySplitBase`'s key of a base record (`AnonymousKey.of`), computed from a module node:
  /// names as base string offsets, references as the base ids they stand for. Nil when a name
  /// is not the base's or a reference stands for no base type (then no base type can equal
  /// the node).
  private func anonymousKey(_ m: TypeID, _ g: TypeGraph) -> UInt64? {
    guard let split = g.splitBase else { return nil }
    return AnonymousKey.of(NodeInBase(g: g, split: split, pairs: self, node: m))
  }

  /// A module node as the base would hold it, for `AnonymousKey.of`.
  private struct NodeInBase: AnonymousKeySource {
    let g: TypeGraph
    let split: SplitBase
    let pairs: BasePairs
    let node: TypeID
    var kind: Kind { g.kind(node) }
    var memberCount: Int { g.memberCount(node) }
    var size: UInt32 { g.size(node) }
    var aux: UInt32 { g.aux(node) }
    func id(_ t: TypeID) -> UInt32? {
      guard let s = pairs.standIn(t, g) else { return nil }
      return s.isVoid ? 0 : split.baseID(s)
    }
    func ref() -> UInt32? { id(g.ref(node)) }
    func memberName(_ j: Int) -> UInt32? {
      let n = g.memberNames[g.memberRange(node).lowerBound + j]
      return n.isEmpty ? 0 : split.stringOffset(n)
    }
    func memberType(_ j: Int) -> UInt32? { id(g.memberTypes[g.memberRange(node).lowerBound + j]) }
    func memberValue(_ j: Int) -> UInt64 { g.memberValues[g.memberRange(node).lowerBound + j] }
  }
}
