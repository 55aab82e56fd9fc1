import TypeGraph

/// `dedup`: merges structurally equal nodes across compile units.
///
/// Equality is the coarsest bisimulation over the graph (partition refinement, as in DFA
/// minimisation): two nodes are equal when their own labels (kind, name, size, aux word,
/// signedness, member names, offsets and bit sizes) are equal and the nodes they reference are
/// equal in turn. Cycles need no special case (two copies of a self-referencing list type are
/// equal), anonymous types merge exactly when their surroundings match, and reference types are
/// canonicalised like any other node. VARs and DATASECs never merge (libbpf's rule).
///
/// Phases (each its own function below): `resolveForwards` points forward declarations at the
/// definition of their name when all definitions of that name have the same shallow layout
/// (libbpf lets a FWD match a same-named struct for the same reason: a compile unit that only
/// sees `struct task_struct *` has a FWD, and without this every type that reaches it differs
/// between units); `initialClasses` groups nodes by label; `refine`
/// splits classes by the classes of their references until nothing splits; `merge` keeps the
/// lowest id of each class, points every reference at it and turns the others into tombstones;
/// the emission order is then recomputed.
///
/// - Complexity: O((nodes + references) × rounds); rounds are bounded by the longest chain of
///   references that tells two nodes apart.
public struct Dedup: Pass {
  public static let name = "dedup"
  public static let summary = "merge structurally equal types across compile units (cycles and anonymous types included)"

  public init() {}

  public static let descriptor = PassDescriptor(name: name, summary: summary) { params in
    try params.checkKnown([])
    return Dedup()
  }

  public mutating func run(on graph: inout TypeGraph, context: inout PassContext) throws -> PassResult {
    let forwards = resolveForwards(&graph)
    var classes = initialClasses(graph)
    refine(graph, &classes)
    let merged = merge(&graph, classes)
    if merged > 0 || graph.emissionSequence == nil { graph.emissionSequence = graph.byValueOrder() }
    return merged + forwards > 0 ? .changed : .unchanged
  }

  // MARK: Phases

  /// Returns the number of forward declarations resolved.
  private func resolveForwards(_ g: inout TypeGraph) -> Int {
    // Per (namespace path, name, union?): the first definition, and whether all definitions
    // share its label. The path keeps bindgen's Rust copies of C structs
    // (`bindings::bindings_raw::mm_struct`) from making the C name ambiguous.
    struct Candidate { var definition: TypeID; var unique: Bool }
    struct Key: Hashable { var scope: NameID; var name: NameID; var isUnion: Bool }
    var byName: [Key: Candidate] = [:]
    for id in g.ids {
      let k = g.kind(id)
      guard (k == .structure || k == .union) && !g.name(id).isEmpty else { continue }
      let key = Key(scope: g.scopes[id.index], name: g.name(id), isUnion: k == .union)
      if var c = byName[key] {
        if c.unique && !labelsEqual(g, c.definition, id) {
          c.unique = false
          byName[key] = c
        }
      } else {
        byName[key] = Candidate(definition: id, unique: true)
      }
    }
    var target = ContiguousArray<TypeID>(repeating: .void, count: g.count)
    var resolved = 0
    for id in g.ids where g.kind(id) == .forward {
      let key = Key(scope: g.scopes[id.index], name: g.name(id), isUnion: g.aux(id) == 1)
      guard let c = byName[key], c.unique else { continue }
      target[id.index] = c.definition
      resolved += 1
    }
    if resolved == 0 { return 0 }
    for i in 1..<g.count where g.kind(TypeID(i)) != .removed {
      g.rewriteReferences(of: TypeID(i)) { t in target[t.index].isVoid ? t : target[t.index] }
    }
    for id in g.ids where !target[id.index].isVoid {
      g.decisions.recordMerge(id, into: target[id.index])
      g.remove(id)
    }
    return resolved
  }

  /// Class 0 is void (type 0 and every `.void` node); nodes that never merge and tombstones get
  /// classes of their own.
  private func initialClasses(_ g: TypeGraph) -> ContiguousArray<Int32> {
    var classes = ContiguousArray<Int32>(repeating: 0, count: g.count)
    var table = ClassTable(capacity: g.count)
    for i in 1..<g.count {
      let id = TypeID(i)
      switch g.kind(id) {
      case .void: classes[i] = 0
      case .removed, .variable, .dataSection, .unrepresentable:
        classes[i] = table.unique()
      default:
        classes[i] = table.classOf(id, hash: labelHash(g, id)) { a, b in labelsEqual(g, a, b) }
      }
    }
    return classes
  }

  private func refine(_ g: TypeGraph, _ classes: inout ContiguousArray<Int32>) {
    var count = Set(classes).count
    while true {
      var next = ContiguousArray<Int32>(repeating: 0, count: g.count)
      var table = ClassTable(capacity: g.count)
      let current = classes
      for i in 1..<g.count {
        let id = TypeID(i)
        if current[i] == 0 { continue }
        switch g.kind(id) {
        case .removed, .variable, .dataSection, .unrepresentable:
          next[i] = table.unique()
        default:
          var h = UInt64(bitPattern: Int64(current[i])) &* 0x9E37_79B9_7F4A_7C15
          g.forEachReference(of: id) { t in h = mix(h, UInt64(UInt32(bitPattern: current[t.index]))) }
          next[i] = table.classOf(id, hash: h) { a, b in
            guard current[a.index] == current[b.index] else { return false }
            let n = g.referenceCount(of: a)
            guard n == g.referenceCount(of: b) else { return false }
            for k in 0..<n where current[g.reference(of: a, at: k).index] != current[g.reference(of: b, at: k).index] {
              return false
            }
            return true
          }
        }
      }
      let newCount = Int(table.count) + 1
      classes = next
      if newCount == count { return }
      count = newCount
    }
  }

  /// Returns the number of nodes merged away.
  private func merge(_ g: inout TypeGraph, _ classes: ContiguousArray<Int32>) -> Int {
    var representative = ContiguousArray<TypeID>(repeating: .void, count: g.count + 1)
    var target = ContiguousArray<TypeID>(repeating: .void, count: g.count)
    var merged = 0
    for i in 1..<g.count {
      let c = Int(classes[i])
      if c == 0 { target[i] = g.kind(TypeID(i)) == .void ? TypeID(i) : .void; continue }
      if representative[c].isVoid { representative[c] = TypeID(i) }
      target[i] = representative[c]
    }
    for i in 1..<g.count {
      let id = TypeID(i)
      if target[i] != id && g.kind(id).isBTF {
        g.decisions.recordMerge(id, into: target[i])
        g.remove(id)
        merged += 1
      }
    }
    if merged == 0 { return 0 }
    for i in 1..<g.count where g.kind(TypeID(i)) != .removed {
      g.rewriteReferences(of: TypeID(i)) { t in target[t.index] }
    }
    if !g.arrayIndexTypeID.isVoid { g.setArrayIndexType(target[g.arrayIndexTypeID.index]) }
    return merged
  }

  // MARK: Labels

  private func labelHash(_ g: TypeGraph, _ id: TypeID) -> UInt64 {
    var h: UInt64 = UInt64(g.kind(id).rawValue)
    h = mix(h, UInt64(UInt32(bitPattern: g.name(id).rawValue)))
    h = mix(h, UInt64(g.size(id)))
    h = mix(h, UInt64(g.aux(id)))
    h = mix(h, g.flags(id).contains(.signed) ? 1 : 0)
    h = mix(h, UInt64(g.memberCount(id)))
    for i in g.memberRange(id) {
      h = mix(h, UInt64(UInt32(bitPattern: g.memberNames[i].rawValue)))
      h = mix(h, g.memberValues[i])
      h = mix(h, UInt64(g.memberBits[i]))
    }
    return h
  }

  private func labelsEqual(_ g: TypeGraph, _ a: TypeID, _ b: TypeID) -> Bool {
    guard g.kind(a) == g.kind(b), g.name(a) == g.name(b), g.size(a) == g.size(b), g.aux(a) == g.aux(b),
      g.flags(a).contains(.signed) == g.flags(b).contains(.signed), g.memberCount(a) == g.memberCount(b)
    else { return false }
    for (i, j) in zip(g.memberRange(a), g.memberRange(b)) {
      if g.memberNames[i] != g.memberNames[j] || g.memberValues[i] != g.memberValues[j] || g.memberBits[i] != g.memberBits[j] {
        return false
      }
    }
    return true
  }
}

@inline(__always) private func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
  var x = (h ^ v) &* 0xff51_afd7_ed55_8ccd
  x ^= x >> 33
  return x
}

/// Open-addressing table from a hash to the first node (the class representative) with that
/// hash and an equal key; the dedup phases' one lookup structure (no Dictionary in the loop).
struct ClassTable {
  private var slots: ContiguousArray<Int32>   // node index + 1, 0 empty
  private var slotHashes: ContiguousArray<UInt64>
  private var slotClasses: ContiguousArray<Int32>
  private(set) var count: Int32 = 0

  init(capacity: Int) {
    var n = 16
    while n < capacity * 2 { n <<= 1 }
    slots = ContiguousArray(repeating: 0, count: n)
    slotHashes = ContiguousArray(repeating: 0, count: n)
    slotClasses = ContiguousArray(repeating: 0, count: n)
  }

  /// A fresh class that nothing else joins.
  mutating func unique() -> Int32 {
    count += 1
    return count
  }

  mutating func classOf(_ id: TypeID, hash: UInt64, equal: (TypeID, TypeID) -> Bool) -> Int32 {
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: hash) & mask
    while slots[i] != 0 {
      if slotHashes[i] == hash && equal(TypeID(Int(slots[i]) - 1), id) { return slotClasses[i] }
      i = (i + 1) & mask
    }
    count += 1
    slots[i] = id.rawValue + 1
    slotHashes[i] = hash
    slotClasses[i] = count
    return count
  }
}
