/// Where each merged node ended: the node finally kept in its place. A merge target may itself be
/// merged later (a class's representative merged into another class's by the final `dedup`, a
/// copy merged at import into a representative dedup then merges), so the merges are followed to
/// the end. The one place that follows them, for the reports, the conversion's checks and the
/// layout check.
public struct MergeMap: Sendable {
  private var into: ContiguousArray<TypeID>

  /// The merges of `log`, over the ids below `count`.
  public init(_ log: DecisionLog, count: Int) {
    self.init(count: count) { body in
      for (s, t) in zip(log.mergedSubjects, log.mergedTargets) { body(s, t) }
    }
  }

  /// The merges (subject, target) `forEach` gives, over the ids below `count`; others are ignored.
  public init(count: Int, _ forEach: ((TypeID, TypeID) -> Void) -> Void) {
    var into = ContiguousArray<TypeID>(repeating: .void, count: count)
    forEach { s, t in if s.index < count && t.index < count { into[s.index] = t } }
    self.into = into
  }

  /// Whether `id` was merged into another node.
  public func isMerged(_ id: TypeID) -> Bool { id.index < into.count && !into[id.index].isVoid }

  /// The node `id` ended up as: itself, or the node finally kept in its place.
  public func kept(_ id: TypeID) -> TypeID {
    var t = id
    var steps = 0
    // (A bound, not a cycle check: merges never form one, and 64 is far beyond any chain.)
    while t.index < into.count, !into[t.index].isVoid, steps < 64 {
      t = into[t.index]
      steps += 1
    }
    return t
  }
}
