internal import CDwarf

/// Scopes: the `a::b::C` path of the DIE being walked (namespaces, modules, and the types that
/// enclose nested types), and the scope a function defined elsewhere takes from its
/// declaration (`DW_AT_specification` / `DW_AT_abstract_origin` chains), fixed after the walk.
extension DWARFWalker {
  mutating func pushScope(_ name: UnsafePointer<CChar>?) -> ScopeState {
    let saved: ScopeState = (scopeLength, scopeID, scopeValid)
    guard let name, name[0] != 0 else { return saved }
    var n = 0
    while name[n] != 0 { n += 1 }
    let needed = scopeLength + 2 + n
    // Paths are interned per scope, so their bytes grow with the square of the nesting: past
    // `maxScopeLength` (no real path comes near) the path stops growing and the DIEs below
    // keep the outer one, so that nesting tens of thousands deep costs memory in proportion
    // to it, not gigabytes of names (60,000 levels overflowed the string table).
    guard needed <= Self.maxScopeLength else { return saved }
    if needed > scopeCapacity {
      var capacity = scopeCapacity
      while capacity < needed { capacity *= 2 }
      let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
      bigger.update(from: scopeBytes, count: scopeLength)
      scopeBytes.deallocate()
      scopeBytes = bigger
      scopeCapacity = capacity
    }
    if scopeLength > 0 {
      scopeBytes[scopeLength] = UInt8(ascii: ":")
      scopeBytes[scopeLength + 1] = UInt8(ascii: ":")
      scopeLength += 2
    }
    UnsafeMutableRawPointer(scopeBytes + scopeLength).copyMemory(from: name, byteCount: n)
    scopeLength += n
    scopeValid = false
    return saved
  }

  static let maxScopeLength = 8 << 10

  mutating func popScope(_ saved: ScopeState) {
    scopeLength = saved.length
    scopeID = saved.id
    scopeValid = saved.valid
  }

  @inline(__always)
  mutating func currentScope() -> NameID {
    if !scopeValid {
      scopeID = graph.strings.intern(UnsafeRawBufferPointer(start: scopeBytes, count: scopeLength))
      scopeValid = true
    }
    return scopeID
  }

  mutating func recordSubprogram(_ offset: UInt64, _ scope: NameID, _ next: UInt64) {
    if let last = subprogramOffsets.last, last >= offset { subprogramSorted = false }
    subprogramOffsets.append(offset)
    subprogramScopes.append(scope)
    subprogramNext.append(next)
  }

  /// Functions defined through DW_AT_specification / DW_AT_abstract_origin take the scope of
  /// the end of that chain (the declaration inside its type or namespace).
  mutating func resolveFunctionScopes() {
    if !subprogramSorted {
      let order = subprogramOffsets.indices.sorted { subprogramOffsets[$0] < subprogramOffsets[$1] }
      subprogramOffsets = ContiguousArray(order.map { subprogramOffsets[$0] })
      subprogramScopes = ContiguousArray(order.map { subprogramScopes[$0] })
      subprogramNext = ContiguousArray(order.map { subprogramNext[$0] })
    }
    for i in functionFixNodes.indices {
      var current = functionFixOffsets[i]
      var scope: NameID? = nil
      for _ in 0..<8 {
        guard let k = subprogramIndex(current) else { break }
        scope = subprogramScopes[k]
        current = subprogramNext[k]
        if current == 0 { break }
      }
      if let scope {
        let fn = functionFixNodes[i]
        graph.setScope(fn, scope)
        let proto = graph.ref(fn)
        if !proto.isVoid { graph.setScope(proto, scope) }
      }
    }
  }

  func subprogramIndex(_ offset: UInt64) -> Int? {
    var lo = 0
    var hi = subprogramOffsets.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if subprogramOffsets[mid] < offset { lo = mid + 1 } else { hi = mid }
    }
    return lo < subprogramOffsets.count && subprogramOffsets[lo] == offset ? lo : nil
  }
}
