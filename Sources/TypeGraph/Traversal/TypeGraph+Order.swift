/// By-value dependencies and the emission order built on them.
///
/// The kernel resolves BTF types depth-first in id order with a stack limit of 32 ("Exceeded max
/// resolving depth"), pushing every referenced type that is not yet resolved. Writing each type
/// after the types it holds by value keeps that stack shallow however deep Rust's nesting goes.
extension TypeGraph {
  /// Whether `id`'s references are by value: everything but a pointer's target (a pointer is
  /// sized whatever it points at, and pointers are what legally close cycles).
  @inlinable public func referencesByValue(_ id: TypeID) -> Bool { kinds[id.index] != .pointer }

  /// Post-order over by-value references, roots in id order: a deterministic order in which
  /// every live node follows the live nodes it holds by value. By-value cycles (invalid in BTF;
  /// `prune-dependents` breaks them) are cut where the walk meets them. Graph-only nodes
  /// (`.unrepresentable`) take part too, so that the encoder meets (and refuses) them and
  /// `dump()` shows them in place; on a graph the passes left valid there are none.
  public func byValueOrder() -> ContiguousArray<TypeID> {
    var out = ContiguousArray<TypeID>()
    // The live nodes, not all: after dedup most nodes are tombstones.
    var live = 0
    for k in kinds where k.isBTF { live += 1 }
    out.reserveCapacity(live)
    walkByValue(graphOnly: true, onBackEdge: { _, _ in false }, onFinish: { out.append($0) })
    return out
  }

  /// The first by-value cycle edge found in the same walk, as (from, to), or nil.
  public func findByValueCycle() -> (from: TypeID, to: TypeID)? {
    var found: (TypeID, TypeID)?
    walkByValue(
      graphOnly: false,
      onBackEdge: { from, to in
        found = (from, to)
        return true
      }, onFinish: { _ in })
    return found
  }

  /// The one iterative depth-first walk behind both, over live nodes and with `graphOnly`
  /// `.unrepresentable` ones too: `onBackEdge` returns true to stop.
  private func walkByValue(graphOnly: Bool, onBackEdge: (TypeID, TypeID) -> Bool, onFinish: (TypeID) -> Void) {
    // 0 unvisited, 1 on the stack, 2 done
    var state = [UInt8](repeating: 0, count: count)
    var stack: [(id: TypeID, next: Int)] = []
    func walked(_ k: Kind) -> Bool { k.isBTF || (graphOnly && k == .unrepresentable) }
    for root in 1..<count where state[root] == 0 && walked(kinds[root]) {
      stack.append((TypeID(root), 0))
      state[root] = 1
      while let top = stack.last {
        let n = referencesByValue(top.id) ? referenceCount(of: top.id) : 0
        if top.next < n {
          stack[stack.count - 1].next += 1
          let c = reference(of: top.id, at: top.next)
          guard c.index > 0 && walked(kinds[c.index]) else { continue }
          if state[c.index] == 1 && onBackEdge(top.id, c) { return }
          if state[c.index] == 0 {
            state[c.index] = 1
            stack.append((c, 0))
          }
        } else {
          stack.removeLast()
          state[top.id.index] = 2
          onFinish(top.id)
        }
      }
    }
  }
}
