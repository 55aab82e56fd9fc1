internal import CDwarf

#if canImport(Glibc)
  import Glibc
#endif

/// Checks of what the walk resolved, for DWARF that reads well DIE by DIE but does not hold
/// together: references to no DIE, and type cycles no type system allows. Both cost nothing
/// on good input: the first looks only at references that found no type, the second is one
/// pass over the nodes' `ref` column.
extension DWARFWalker {
  /// Why no DIE starts at `target` (a pending reference's global offset), or nil when one does
  /// (a reference to a DIE that is not a type, which resolves to void).
  func danglingReason(_ target: UInt64) -> String? {
    let inAlt = target & UInt64(RB_ALT_OFFSET_BIT) != 0
    let offset = target & ~UInt64(RB_ALT_OFFSET_BIT)
    let place = "\(inAlt ? "alt:" : "")0x\(String(offset, radix: 16))"
    guard let dbg = inAlt ? alt : dwarf else { return "a reference to \(place), in a supplementary file there is not" }
    if !inAlt && unitBytes > 0 && offset >= unitBytes {
      return "a reference to \(place), past the end of .debug_info (0x\(String(unitBytes, radix: 16)) bytes)"
    }
    return Self.isDIEStart(dbg, offset) ? nil : "a reference to \(place), where no DIE starts"
  }

  /// Whether a DIE starts at `offset`: searched from its unit's DIE down, sibling by sibling,
  /// into the one child whose subtree holds the offset (a DIE libdw decodes at `offset` proves
  /// nothing: the middle of a DIE often decodes too).
  static func isDIEStart(_ dbg: OpaquePointer, _ offset: UInt64) -> Bool {
    var die = Dwarf_Die()
    guard dwarf_offdie(dbg, offset, &die) != nil, dwarf_tag(&die) >= 0 else { return false }
    var parent = Dwarf_Die()
    guard dwarf_diecu(&die, &parent, nil, nil) != nil else { return false }
    if dwarf_dieoffset(&parent) == offset { return true }
    while true {
      var child = Dwarf_Die()
      guard dwarf_child(&parent, &child) == 0 else { return false }
      while true {
        let here = dwarf_dieoffset(&child)
        if here == offset { return true }
        if here > offset { return false }
        var next = Dwarf_Die()
        // The last child, or the next starts past the offset: the offset is in this subtree.
        if dwarf_siblingof(&child, &next) != 0 || dwarf_dieoffset(&next) > offset { break }
        child = next
      }
      parent = child
    }
  }

  /// Kinds whose `ref` a type cycle cannot pass through in any language: a cycle must go
  /// through a struct, union or function (`struct list { struct list *next; }`).
  @inline(__always)
  static func formsNoCycle(_ kind: Kind) -> Bool {
    switch kind {
    case .pointer, .typedef, .const, .volatile, .restrict, .typeTag, .array: return true
    default: return false
    }
  }

  /// Finds cycles of pointers, typedefs, qualifiers and arrays (a pointer to itself, a
  /// typedef of a pointer to that typedef): corrupt DWARF, which the kernel would refuse with
  /// "Loop detected". Each is broken (the reference that closes it made void) and counted;
  /// the import then fails, unless `--allow-incomplete-dwarf`. One pass: each node is on one
  /// path of `ref`s, followed once.
  mutating func breakTypeCycles() {
    let n = graph.count
    guard n > 1 else { return }
    // 0: not seen, 1: on the path being followed, 2: done.
    var state = [UInt8](repeating: 0, count: n)
    state[0] = 2
    for start in 1..<n where state[start] == 0 && Self.formsNoCycle(graph.kind(TypeID(start))) {
      var i = start
      while state[i] == 0 && Self.formsNoCycle(graph.kind(TypeID(i))) {
        state[i] = 1
        i = graph.ref(TypeID(i)).index
      }
      if state[i] == 1 { // back on the path: a cycle through i
        var path: [String] = []
        var j = i
        repeat {
          path.append(graph.kind(TypeID(j)).btfName)
          j = graph.ref(TypeID(j)).index
        } while j != i && path.count < 8
        let at = graph.origin(TypeID(i)).dieOffset
        let what =
          """
          type cycle at DIE \(at & UInt64(RB_ALT_OFFSET_BIT) != 0 ? "alt:" : "")0x\(String(at & ~UInt64(RB_ALT_OFFSET_BIT), radix: 16)) \
          (\((path + [path[0]]).joined(separator: " -> ")))
          """
        stats.typeCycles += 1
        if firstTypeCycle == nil { firstTypeCycle = what }
        if stats.firstUnreadable == nil { stats.firstUnreadable = what }
        graph.setRef(TypeID(i), .void)
      }
      var j = start
      while state[j] == 1 {
        state[j] = 2
        j = graph.ref(TypeID(j)).index
      }
    }
  }
}
