/// The copies dedup at import merged (issue 19, `--dedup-at-import`): each range of compile units
/// merges its structurally equal nodes as it is read (`Dedup.canonicalizeRange`), and the graph
/// gets only the node each class of the range kept, its *representative*. What the copies were is
/// kept here, so that `--explain-pruned`, `--explain` and `--stats` still name every DIE as the
/// conversion without dedup at import does: a copy reads as a node merged into its
/// representative, with every decision a pass took on the representative (passes decide the same
/// on every copy of such a class: Tools/OrderAudit/FINDINGS.md).
///
/// One row per copy, grouped by representative in id order (the order `DWARFWalker.absorb` adds
/// them in), in narrow columns: on Debian's vmlinux 2.9 million copies take 6 bytes each. What
/// a copy shares with its representative is not repeated: name, kind, size and members are equal
/// (that is what merged them); only its DIE and unit are its own, and, rarely, its namespace path
/// (anonymous nodes merge whatever their path) and DWARF tag, kept in a sparse side table.
///
/// Node ids never change after the import (passes leave tombstones), so the representatives stay
/// valid through the passes.
public struct CopiesMergedAtImport: Sendable, Equatable {
  /// Each copy's DIE offset (bit 62 set for a DIE of the dwz supplementary file, as
  /// `TypeGraph.dieOffsets`).
  private var dieOffsets = NarrowColumn<UInt64, UInt32>()
  /// Each copy's compile unit, plus one (0: none).
  private var units = NarrowColumn<UInt32, UInt16>()
  /// The representatives with copies, in increasing id order, and where each one's copies end.
  private var representatives: ContiguousArray<TypeID> = []
  private var ends: ContiguousArray<Int32> = []
  /// Copies whose namespace path or DWARF tag is not their representative's, in copy order.
  private var unlike: ContiguousArray<Int32> = []
  private var unlikeScopes: ContiguousArray<NameID> = []
  private var unlikeTags: ContiguousArray<UInt16> = []

  public init() {}

  /// Number of copies.
  public var count: Int { dieOffsets.count }
  public var isEmpty: Bool { dieOffsets.isEmpty }
  /// Number of representatives with at least one copy.
  public var representativeCount: Int { representatives.count }

  /// The `k`th representative (in id order) and the range of its copies.
  public func group(_ k: Int) -> (representative: TypeID, copies: Range<Int>) {
    (representatives[k], (k == 0 ? 0 : Int(ends[k - 1]))..<Int(ends[k]))
  }

  public func dieOffset(_ copy: Int) -> UInt64 { dieOffsets[copy] }
  public func unit(_ copy: Int) -> UnitID { UnitID(rawValue: Int32(units[copy]) - 1) }

  /// The copy's namespace path and DWARF tag where they differ from its representative's (nil:
  /// the representative's, as imported).
  public func unlike(_ copy: Int) -> (scope: NameID, dwarfTag: UInt16)? {
    var lo = 0
    var hi = unlike.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if Int(unlike[mid]) < copy { lo = mid + 1 } else { hi = mid }
    }
    guard lo < unlike.count, Int(unlike[lo]) == copy else { return nil }
    return (unlikeScopes[lo], unlikeTags[lo])
  }

  /// Bytes the rows take (what `--dedup-at-import` pays for the reports), dictionaries of the
  /// narrow columns' wide values left out.
  public var byteCount: Int {
    dieOffsets.count * (MemoryLayout<UInt32>.size + MemoryLayout<UInt16>.size) + representatives.count * 8 + unlike.count * 10
  }

  // MARK: Building (`DWARFWalker.absorb`)

  /// Starts the copies of `representative`, which must be above every representative so far.
  package mutating func beginGroup(_ representative: TypeID) {
    precondition(representatives.last.map { $0 < representative } ?? true, "representatives out of order")
    representatives.append(representative)
    ends.append(Int32(dieOffsets.count))
  }

  /// Adds a copy of the group begun last; `scope` and `dwarfTag` are given when they are not the
  /// representative's.
  package mutating func append(dieOffset: UInt64, unit: UnitID, unlike: (scope: NameID, dwarfTag: UInt16)? = nil) {
    if let unlike {
      self.unlike.append(Int32(dieOffsets.count))
      unlikeScopes.append(unlike.scope)
      unlikeTags.append(unlike.dwarfTag)
    }
    dieOffsets.append(dieOffset)
    units.append(UInt32(unit.rawValue + 1))
    ends[ends.count - 1] = Int32(dieOffsets.count)
  }

  package mutating func reserveCapacity(_ n: Int) {
    dieOffsets.reserveCapacity(dieOffsets.count + n)
    units.reserveCapacity(units.count + n)
  }
}
