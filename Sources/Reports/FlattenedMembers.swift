import TypeGraph

/// The members of a struct or union as C and CO-RE see them: a member of an anonymous struct or
/// union member counts as a member of the outer type, at the summed offset. The one place this
/// rule lives, for both sides of the retention report (the DWARF as imported and the graph as
/// encoded), so that they are compared alike.
enum FlattenedMembers {
  /// Anonymous nesting deeper than this is not followed (only corrupt input nests so deep; the
  /// bound also stops a cycle of anonymous members).
  static let maxDepth = 16

  /// Calls `body(container, index, member, bitOffset)` for each member of `id` in member order,
  /// descending into anonymous members whose type is a struct or union (those members are not
  /// reported themselves). `container` is the node holding the member and `index` its index
  /// there; `bitOffset` is from the start of `id`. Anonymous members of other types (a variant
  /// part, an opaque placeholder, padding) are reported as they are.
  static func forEach(
    of id: TypeID, in graph: TypeGraph, _ body: (_ container: TypeID, _ index: Int, _ member: Member, _ bitOffset: UInt64) -> Void
  ) {
    visit(id, graph, base: 0, depth: 0, body)
  }

  private static func visit(
    _ id: TypeID, _ graph: TypeGraph, base: UInt64, depth: Int, _ body: (TypeID, Int, Member, UInt64) -> Void
  ) {
    let range = graph.memberRange(id)
    for i in range {
      let m = graph.member(at: i)
      let offset = base &+ m.bitField.offset
      if m.name.isEmpty && depth < maxDepth {
        let t = graph.resolvingModifiers(m.type)
        let k = graph.kind(t)
        if k == .structure || k == .union {
          visit(t, graph, base: offset, depth: depth + 1, body)
          continue
        }
      }
      body(id, i - range.lowerBound, m, offset)
    }
  }
}
