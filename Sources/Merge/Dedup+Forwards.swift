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

  func resolveForwards(_ g: inout TypeGraph, baseForwards: inout [(forward: TypeID, definition: TypeID)]) -> Int {
    // Key class of each named definition or forward (0: none), and per key class the first
    // definition and whether all definitions share its label.
    var keyOf = ContiguousArray<Int32>(repeating: 0, count: g.count)
    var keyed = 0
    for i in 1..<g.count where Self.forwardFamily(g, TypeID(i)) != nil { keyed += 1 }
    var table = ClassTable(capacity: keyed / 2)
    var first = ContiguousArray<TypeID>(repeating: .void, count: 1)
    var unique = ContiguousArray<Bool>(repeating: true, count: 1)
    // Per key class: a base node defines it (then a base forward of the key stays as it is).
    var baseDefined = ContiguousArray<Bool>(repeating: false, count: 1)
    let base = g.splitBase?.nodes ?? 0..<0
    var forwards = 0
    for i in 1..<g.count {
      let id = TypeID(i)
      guard let family = Self.forwardFamily(g, id), !g.name(id).isEmpty else { continue }
      let forward = Self.isForward(g, id)
      if forward {
        forwards += 1
      } else if g.flags(id).contains(.declaration) && g.kind(id) != .forward && g.memberCount(id) == 0 {
        continue // a declaration that is neither a FWD nor an enum declaration (kept as is)
      }
      var h = mix(UInt64(family), UInt64(UInt32(bitPattern: g.name(id).rawValue)))
      h = mix(h, UInt64(UInt32(bitPattern: g.scopes[i].rawValue)))
      let k = table.classOf(id, hash: hashed(h)) { a, b in
        g.name(a) == g.name(b) && g.scopes[a.index] == g.scopes[b.index]
          && Self.forwardFamily(g, a) == Self.forwardFamily(g, b)
      }
      keyOf[i] = k
      if Int(k) >= first.count {
        first.append(.void)
        unique.append(true)
        baseDefined.append(false)
      }
      if forward { continue }
      if base.contains(i) { baseDefined[Int(k)] = true }
      if first[Int(k)].isVoid {
        first[Int(k)] = id
      } else if unique[Int(k)] && !labelsEqual(g, first[Int(k)], id) {
        unique[Int(k)] = false
      }
    }
    if forwards == 0 { return 0 }
    var target = ContiguousArray<TypeID>(repeating: .void, count: g.count)
    var resolved = 0
    for i in 1..<g.count where keyOf[i] != 0 {
      let id = TypeID(i)
      let k = Int(keyOf[i])
      guard Self.isForward(g, id), unique[k], !first[k].isVoid else { continue }
      if base.contains(i) {
        guard !baseDefined[k] else { continue }
        baseForwards.append((id, first[k]))
      }
      target[i] = first[k]
      resolved += 1
    }
    if resolved == 0 { return 0 }
    for i in 1..<g.count where g.kind(TypeID(i)) != .removed {
      g.rewriteReferences(of: TypeID(i)) { t in target[t.index].isVoid ? t : target[t.index] }
    }
    // A base node is never merged away: it is written already, in the base.
    for i in 1..<g.count where !target[i].isVoid && !base.contains(i) {
      g.merge(TypeID(i), into: target[i])
    }
    return resolved
  }
}
