/// The one walker over reference slots (libbpf's field iterator): every place a node refers to
/// another node. Dedup, pruning, verification and the encoder all go through it; no other code
/// walks members by hand to find references.
extension TypeGraph {
  /// Which reference slots `id` has, from its kind's row (`KindInfo`): the one statement of
  /// the rule the walkers below follow, in this order: the `ref` column, the array index type
  /// (the graph's, `arrayIndexTypeID`), each member's type. Plain flags and a count, no range:
  /// the walkers run per node in dedup's, pruning's and the encoder's hot loops.
  @usableFromInline struct ReferenceSlots {
    @usableFromInline var ref: Bool
    @usableFromInline var index: Bool
    /// Member slots: the member count when members' types are references, else 0.
    @usableFromInline var members: Int
    @inlinable @inline(__always) init(ref: Bool, index: Bool, members: Int) {
      self.ref = ref
      self.index = index
      self.members = members
    }
    @inlinable @inline(__always) var count: Int { (ref ? 1 : 0) + (index ? 1 : 0) + members }
  }

  // Inlined: the mutating walker calls it, and a call that is not inlined copies the graph.
  @inlinable @inline(__always) func referenceSlots(of id: TypeID) -> ReferenceSlots {
    Self.referenceSlots(kinds[id.index], memberCount: memberCounts[id.index])
  }

  /// The rule itself, from a node's kind and member count.
  @inlinable @inline(__always) static func referenceSlots(_ kind: Kind, memberCount: Int32) -> ReferenceSlots {
    let info = kind.info
    return ReferenceSlots(ref: info.ref != .none, index: info.indexSlot, members: info.members.typesAreReferences ? Int(memberCount) : 0)
  }

  /// Calls `body` with every node `id` refers to: its `ref` (when the kind has one), each
  /// member's type, and an array's index type.
  // Always inlined: passes call it per node on a graph they hold `inout`, where a call that
  // is not inlined copies the whole graph value first.
  @inlinable @inline(__always)
  public func forEachReference(of id: TypeID, _ body: (TypeID) throws -> Void) rethrows {
    let slots = referenceSlots(of: id)
    if slots.ref { try body(refs[id.index]) }
    if slots.index { try body(arrayIndexTypeID) }
    if slots.members > 0 {
      let start = Int(memberStarts[id.index])
      for i in start..<start + slots.members { try body(memberTypes[i]) }
    }
  }

  /// The nodes that refer to `id` through a reference slot (`forEachReference`: a `ref`, a
  /// member's or parameter's type, an array's index type), each once, in id order; removed
  /// nodes refer to nothing. The graph keeps no reverse index, so this scans every node's
  /// slots: O(nodes + members) per call. A pass that needs the referrers of many nodes
  /// should build its own reverse map in one scan (`forEachReference` over `ids`) instead.
  public func referrers(of id: TypeID) -> [TypeID] {
    var result: [TypeID] = []
    for holder in ids {
      for n in 0..<referenceCount(of: holder) where reference(of: holder, at: n) == id {
        result.append(holder)
        break
      }
    }
    return result
  }

  /// Number of reference slots of `id`, in `forEachReference` order.
  @inlinable @inline(__always) public func referenceCount(of id: TypeID) -> Int { referenceSlots(of: id).count }

  /// The `n`th reference slot of `id`, in `forEachReference` order (no allocation: the
  /// iterative walks use it).
  @inlinable @inline(__always) public func reference(of id: TypeID, at n: Int) -> TypeID {
    // The row, not `referenceSlots`: the member count is not needed here.
    let info = kinds[id.index].info
    var n = n
    if info.ref != .none {
      if n == 0 { return refs[id.index] }
      n -= 1
    }
    if info.indexSlot {
      if n == 0 { return arrayIndexTypeID }
      n -= 1
    }
    return memberTypes[Int(memberStarts[id.index]) + n]
  }

  /// Rewrites every reference slot of `id` through `transform` (the reference's new value),
  /// but the array index type, which is the graph's (`arrayIndexTypeID`), not the node's.
  public mutating func rewriteReferences(of id: TypeID, _ transform: (TypeID) -> TypeID) {
    withColumns { $0.rewriteReferences(of: id.index, transform) }
  }

  /// `rewriteReferences(of:_:)` of every node but tombstones, in one run over the columns (one
  /// uniqueness check of the storage, not one per node): what a merge of many nodes ends with.
  public mutating func rewriteAllReferences(_ transform: (TypeID) -> TypeID) {
    withColumns { c in
      for i in 1..<c.kinds.count where c.kinds[i] != .removed { c.rewriteReferences(of: i, transform) }
    }
  }

  /// Calls `body` with every name of `id` that is a string of the BTF (libbpf's
  /// `BTF_FIELD_ITER_STRS`): its own name, then each member's, enumerator's or parameter's
  /// (`KindInfo.MemberRole.hasNames`). Empty names included.
  @inlinable @inline(__always)
  public func forEachName(of id: TypeID, _ body: (NameID) throws -> Void) rethrows {
    try body(names[id.index])
    guard kinds[id.index].info.members.hasNames else { return }
    for i in memberRange(id) { try body(memberNames[i]) }
  }

  /// Follows typedefs and modifiers (not pointers) to the type that gives `id` its layout.
  /// Inlinable, like `byteSize(of:)`: passes call both per member.
  @inlinable @inline(__always) public func resolvingModifiers(_ id: TypeID) -> TypeID {
    var t = id
    var steps = 0
    while steps < 64 {
      switch kinds[t.index] {
      case .typedef, .const, .volatile, .restrict, .typeTag: t = refs[t.index]
      default: return t
      }
      steps += 1
    }
    return t
  }

  /// The byte size of a value of type `id` (the kernel's `btf_type_id_size`), or nil when the
  /// type has no size (void, forward declarations, functions, cycles of modifiers).
  @inlinable public func byteSize(of id: TypeID) -> UInt64? {
    let t = resolvingModifiers(id)
    switch kinds[t.index].info.size {
    case .bytes: return UInt64(sizes[t.index])
    case .pointer: return 8
    case .elements:
      guard let e = byteSize(of: refs[t.index]) else { return nil }
      return e * UInt64(auxes[t.index])
    case .bytesIfKnown: return sizes[t.index] == 0 ? nil : UInt64(sizes[t.index])
    case .none, .graphOnly: return nil
    }
  }
}

extension TypeGraph.Columns {
  /// `TypeGraph.rewriteReferences(of:_:)` on row `i`, for a run of writes in `withColumns`.
  mutating func rewriteReferences(of i: Int, _ transform: (TypeID) -> TypeID) {
    let slots = TypeGraph.referenceSlots(kinds[i], memberCount: memberCounts[i])
    if slots.ref { refs[i] = transform(refs[i]) }
    guard slots.members > 0 else { return }
    let start = Int(memberStarts[i])
    for m in start..<start + slots.members { memberTypes[m] = transform(memberTypes[m]) }
  }
}
