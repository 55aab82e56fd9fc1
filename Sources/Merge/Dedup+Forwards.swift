import TypeGraph

/// Forward declarations: `struct foo;` (a FWD node, aux 1 for a union) and `enum foo;` (an
/// enumeration with the `.declaration` flag and no enumerators, what GCC writes for an enum
/// used before its definition).
extension Dedup {
  /// What a declaration or definition declares: 0 struct, 1 union, 2 enum; nil for other nodes.
  static func forwardFamily(_ g: TypeGraph, _ id: TypeID) -> UInt32? {
    switch g.kind(id) {
    case .structure: return 0
    case .union: return 1
    case .enumeration, .enum64: return 2
    case .forward: return g.forwardIsUnion(id) == true ? 1 : 0
    default: return nil
    }
  }

  /// A forward declaration: a FWD, or an enum declaration without enumerators.
  static func isForward(_ g: TypeGraph, _ id: TypeID) -> Bool {
    let k = g.kind(id)
    return k == .forward
      || (k == .enumeration && g.memberCount(id) == 0 && g.flags(id).contains(.declaration))
  }

  /// Points each named forward declaration at the definition of its (namespace path, name,
  /// struct/union/enum) when every definition with that key has the same label; leaves it when
  /// there is none, or when two definitions differ (the name is ambiguous: libbpf leaves such
  /// FWDs too). The path keeps bindgen's Rust copies of C structs
  /// (`bindings::bindings_raw::mm_struct`) from making the C name ambiguous. Returns the number
  /// of forward declarations resolved.
  ///
  /// With a split base, a base forward declaration whose key has no base definition and a
  /// module definition that is unique resolves to that definition too (libbpf's dedup lets a
  /// base FWD match a split STRUCT of its name): vmlinux often only declares a struct a module
  /// defines (`struct ib_mad`), and without this every base type that reaches the declaration
  /// (`ib_device_ops`, and from there `task_struct`, `sk_buff` …) differs from the module's copy,
  /// which reaches the definition, and is written again. The base node stays (it is the base's):
  /// only the references to it are pointed at the definition, so a module type that reaches
  /// the definition equals the base type that reaches the declaration. Such pairs (base
  /// forward, definition) are appended to `baseForwards`.
  ///
  /// - Complexity: O(nodes + references); keys are looked up in a `ClassTable`, not a dictionary.
  func resolveForwards(_ g: inout TypeGraph) -> Int {
    var baseForwards: [(forward: TypeID, definition: TypeID)] = []
    return resolveForwards(&g, baseForwards: &baseForwards)
  }

  /// Each named definition's and forward declaration's key class (0: none) and, per key class, the
  /// first definition, whether all definitions share its label, and whether a base node defines
  /// it; and the number of forward declarations. The first half of `resolveForwards`.
  struct ForwardKeys {
    var keyOf: ContiguousArray<Int32>
    var first = ContiguousArray<TypeID>(repeating: .void, count: 1)
    var unique = ContiguousArray<Bool>(repeating: true, count: 1)
    var baseDefined = ContiguousArray<Bool>(repeating: false, count: 1)
    var forwards = 0
  }

  func forwardKeys(_ g: TypeGraph) -> ForwardKeys {
    var keys = ForwardKeys(keyOf: ContiguousArray<Int32>(repeating: 0, count: g.count))
    var keyed = 0
    for i in 1..<g.count where Self.forwardFamily(g, TypeID(i)) != nil { keyed += 1 }
    var table = ClassTable(capacity: keyed / 2)
    let base = g.splitBase?.nodes ?? 0..<0
    for i in 1..<g.count {
      let id = TypeID(i)
      guard let family = Self.forwardFamily(g, id), !g.name(id).isEmpty else { continue }
      let forward = Self.isForward(g, id)
      if forward {
        keys.forwards += 1
      } else if g.flags(id).contains(.declaration) && g.kind(id) != .forward && g.memberCount(id) == 0 {
        continue // a declaration that is neither a FWD nor an enum declaration (kept as is)
      }
      var h = mix(UInt64(family), UInt64(UInt32(bitPattern: g.name(id).rawValue)))
      h = mix(h, UInt64(UInt32(bitPattern: g.scopes[i].rawValue)))
      let k = table.classOf(id, hash: hashed(h)) { a, b in
        g.name(a) == g.name(b) && g.scopes[a.index] == g.scopes[b.index]
          && Self.forwardFamily(g, a) == Self.forwardFamily(g, b)
      }
      keys.keyOf[i] = k
      if Int(k) >= keys.first.count {
        keys.first.append(.void)
        keys.unique.append(true)
        keys.baseDefined.append(false)
      }
      if forward { continue }
      if base.contains(i) { keys.baseDefined[Int(k)] = true }
      if keys.first[Int(k)].isVoid {
        keys.first[Int(k)] = id
      } else if keys.unique[Int(k)] && !labelsEqual(g, keys.first[Int(k)], id) {
        keys.unique[Int(k)] = false
      }
    }
    return keys
  }

  /// `apart`: forward declarations to leave as they are (dedup at import's pinned nodes).
  func resolveForwards(
    _ g: inout TypeGraph, baseForwards: inout [(forward: TypeID, definition: TypeID)], apart: ContiguousArray<Bool>? = nil
  ) -> Int {
    let (target, resolved) = forwardDefinitions(g, baseForwards: &baseForwards, apart: apart)
    if resolved == 0 { return 0 }
    g.rewriteAllReferences { t in target[t.index].isVoid ? t : target[t.index] }
    mergeForwards(&g, target)
    return resolved
  }

  /// The definition each forward declaration resolves to (void: none), and how many do: the
  /// first half of `resolveForwards`, which then points every reference at the definitions.
  func forwardDefinitions(
    _ g: TypeGraph, baseForwards: inout [(forward: TypeID, definition: TypeID)], apart: ContiguousArray<Bool>? = nil
  ) -> (target: ContiguousArray<TypeID>, resolved: Int) {
    let keys = forwardKeys(g)
    let (keyOf, first, unique, baseDefined, forwards) = (keys.keyOf, keys.first, keys.unique, keys.baseDefined, keys.forwards)
    let base = g.splitBase?.nodes ?? 0..<0
    if forwards == 0 { return ([], 0) }
    var target = ContiguousArray<TypeID>(repeating: .void, count: g.count)
    var resolved = 0
    for i in 1..<g.count where keyOf[i] != 0 {
      let id = TypeID(i)
      let k = Int(keyOf[i])
      guard Self.isForward(g, id), unique[k], !first[k].isVoid, apart?[i] != true else { continue }
      if base.contains(i) {
        guard !baseDefined[k] else { continue }
        baseForwards.append((id, first[k]))
      }
      target[i] = first[k]
      resolved += 1
    }
    return (target, resolved)
  }

  /// Merges each forward declaration with a definition in `target` into it (recorded in the log).
  func mergeForwards(_ g: inout TypeGraph, _ target: ContiguousArray<TypeID>) {
    let base = g.splitBase?.nodes ?? 0..<0
    // A base node is never merged away: it is written already, in the base.
    _ = g.mergeEach { id, _ in target[id.index].isVoid || base.contains(id.index) ? nil : target[id.index] }
  }

  /// Dedup at import resolves forward declarations per range (`canonicalizeRange`): to the first
  /// definition of their key in the range, when the range's definitions share a label. The whole
  /// input resolves them to the first definition of the key in the whole input, and only when
  /// all its definitions share a label. Given the definitions the ranges chose (`rangeTargets`,
  /// in `g`'s numbering, `g` the imported graph), returns the whole input's choice for each, or
  /// nil when the whole input would leave one of those keys unresolved. The conversion then
  /// checks that each pair ends as one node (`Conversion`).
  package static func wholeInputForwardTargets(_ g: TypeGraph, rangeTargets: [TypeID]) -> [TypeID]? {
    // The registry's dedup's own rule, with its label.
    let keys = Dedup().forwardKeys(g)
    var out: [TypeID] = []
    out.reserveCapacity(rangeTargets.count)
    for t in rangeTargets {
      let k = Int(keys.keyOf[t.index])
      guard k != 0, keys.unique[k], !keys.first[k].isVoid else { return nil }
      out.append(keys.first[k])
    }
    return out
  }
}
