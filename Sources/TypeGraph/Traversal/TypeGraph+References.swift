/// The one walker over reference slots (libbpf's field iterator): every place a node refers to
/// another node. Dedup, pruning, verification and the encoder all go through it; no other code
/// walks members by hand to find references.
extension TypeGraph {
  /// Calls `body` with every node `id` refers to: its `ref` (when the kind has one), each
  /// member's type, and an array's index type.
  @inlinable
  public func forEachReference(of id: TypeID, _ body: (TypeID) throws -> Void) rethrows {
    let k = kinds[id.index]
    if k.hasReference { try body(refs[id.index]) }
    if k == .array { try body(arrayIndexTypeID) }
    if k.hasMembers && k != .enumeration && k != .enum64 {
      for i in memberRange(id) { try body(memberTypes[i]) }
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
  @inlinable @inline(__always) public func referenceCount(of id: TypeID) -> Int {
    let k = kinds[id.index]
    var n = k.hasReference ? 1 : 0
    if k == .array { n += 1 }
    if k.hasMembers && k != .enumeration && k != .enum64 { n += Int(memberCounts[id.index]) }
    return n
  }

  /// The `n`th reference slot of `id`, in `forEachReference` order (no allocation: the
  /// iterative walks use it).
  @inlinable @inline(__always) public func reference(of id: TypeID, at n: Int) -> TypeID {
    let k = kinds[id.index]
    var n = n
    if k.hasReference {
      if n == 0 { return refs[id.index] }
      n -= 1
    }
    if k == .array {
      if n == 0 { return arrayIndexTypeID }
      n -= 1
    }
    return memberTypes[Int(memberStarts[id.index]) + n]
  }

  /// Rewrites every reference slot of `id` through `transform` (the reference's new value).
  public mutating func rewriteReferences(of id: TypeID, _ transform: (TypeID) -> TypeID) {
    withColumns { c in
      let k = c.kinds[id.index]
      if k.hasReference { c.refs[id.index] = transform(c.refs[id.index]) }
      if k.hasMembers && k != .enumeration && k != .enum64 {
        let start = Int(c.memberStarts[id.index])
        for i in start..<start + Int(c.memberCounts[id.index]) { c.memberTypes[i] = transform(c.memberTypes[i]) }
    
    }
  }
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
    switch kinds[t.index] {
    case .int, .float, .structure, .union, .enumeration, .enum64, .dataSection: return UInt64(sizes[t.index])
    case .pointer: return 8
    case .array:
      guard let e = byteSize(of: refs[t.index]) else { return nil }
      return e * UInt64(auxes[t.index])
    case .unrepresentable: return sizes[t.index] == 0 ? nil : UInt64(sizes[t.index])
    case .void, .removed, .forward, .function, .functionProto, .variable, .declTag, .typedef,
      .const, .volatile, .restrict, .typeTag:
      return nil
    }
  }
}
