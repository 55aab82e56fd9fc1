import TypeGraph

/// The numbers of the summary line. They add up: every type that came in (imported, or added by
/// a pass such as `lower-rust`) is either written or counted by what became of it,
/// `typesIn + added - demoted - pruned - merged - unexplained == typesOut`.
public struct Summary: Sendable {
  /// Types imported from DWARF (live nodes before the first pass, and the copies dedup at import
  /// merged as they were read, `DecisionLog.copiesMergedAtImport`).
  public var typesIn: Int
  /// Types passes added (`lower-rust`'s discriminant enums and variant unions, prototypes…).
  public var added: Int
  /// Types written (split BTF: the module's own, not the base's).
  public var typesOut: Int
  /// Types that are not written, by what became of them: made void…
  public var demoted: Int
  /// … removed …
  public var pruned: Int
  /// … merged into an equal type (dedup, dedup at import, or into the base for split BTF) …
  public var merged: Int
  /// … or gone with no decision recorded, which points at a pass that does not record (0).
  public var unexplained: Int
  /// Decisions that change a type without removing it.
  public var renamed: Int
  public var opaque: Int
  public var bytes: Int

  init(_ counts: NodeAccounting.Counts, decisions: DecisionLog, bytes: Int) {
    typesIn = counts.typesIn
    added = counts.added
    typesOut = counts.typesOut
    demoted = counts.demoted
    pruned = counts.pruned
    merged = counts.merged
    unexplained = counts.unexplained
    // A decision on a node stands for one on each copy dedup at import merged into it, as each
    // copy got one when it was a node.
    var renamed = 0
    var opaque = 0
    let copies = decisions.copiesMergedAtImport
    for d in decisions.entries {
      switch d.action {
      case .renamed: renamed += 1 + copies.copies(of: d.subject).count
      case .replacedByOpaque: opaque += 1 + copies.copies(of: d.subject).count
      default: break
      }
    }
    self.renamed = renamed
    self.opaque = opaque
    self.bytes = bytes
  }

  public var line: String {
    let lost = unexplained > 0 ? ", \(unexplained) gone without a recorded decision" : ""
    return
      """
      \(typesIn) types in, \(added) added, \(typesOut) out (\(bytes) bytes): \(demoted) demoted, \(pruned) pruned, \(merged) \
      merged\(lost); \(renamed) renamed, \(opaque) made opaque
      """
  }
}

/// What became of each node between import and encoding, counted once per node by its fate.
struct NodeAccounting {
  struct Counts {
    var typesIn = 0, added = 0, typesOut = 0, demoted = 0, pruned = 0, merged = 0, unexplained = 0
  }

  /// Nodes the import made, and which of them were types (live).
  private let importedCount: Int
  private let liveAtImport: [Bool]

  init(imported graph: TypeGraph) {
    importedCount = graph.count
    liveAtImport = graph.ids.reduce(into: [false]) { $0.append(Self.isLive(graph.kind($1))) }
  }

  private static func isLive(_ k: Kind) -> Bool { k != .void && k != .removed }

  /// The counts after the passes. `ownNodes`: the graph's node count before a split base was
  /// appended (base nodes are not the input's).
  func finish(_ graph: TypeGraph, ownNodes: Int) -> Counts {
    enum Fate: UInt8 { case none, demoted, pruned, merged }
    var fate = [Fate](repeating: .none, count: ownNodes)
    for i in 0..<graph.decisions.count {
      let d = graph.decisions[i]
      guard d.subject.index < ownNodes else { continue }
      switch d.action {
      case .demoted: fate[d.subject.index] = .demoted
      case .pruned: fate[d.subject.index] = .pruned
      default: break
      }
    }
    for s in graph.decisions.mergedSubjects where s.index < ownNodes { fate[s.index] = .merged }
    var c = Counts()
    for i in 1..<ownNodes {
      let wasIn = i < importedCount ? liveAtImport[i] : true
      let isOut = Self.isLive(graph.kind(TypeID(i)))
      if i >= importedCount || (isOut && !wasIn) { c.added += 1 } else if wasIn { c.typesIn += 1 }
      if isOut {
        c.typesOut += 1
        continue
      }
      guard wasIn || i >= importedCount else { continue }
      switch fate[i] {
      case .demoted: c.demoted += 1
      case .pruned: c.pruned += 1
      case .merged: c.merged += 1
      case .none: c.unexplained += 1
      }
    }
    // Each copy dedup at import merged came in, and went as its representative did: merged when
    // that was kept or merged (into it, or with it), else demoted or pruned with it.
    let copies = graph.decisions.copiesMergedAtImport
    for k in 0..<copies.representativeCount {
      let (r, range) = copies.group(k)
      c.typesIn += range.count
      if Self.isLive(graph.kind(r)) {
        c.merged += range.count
        continue
      }
      switch r.index < ownNodes ? fate[r.index] : .merged {
      case .demoted: c.demoted += range.count
      case .pruned: c.pruned += range.count
      case .merged: c.merged += range.count
      case .none: c.unexplained += range.count
      }
    }
    return c
  }
}
