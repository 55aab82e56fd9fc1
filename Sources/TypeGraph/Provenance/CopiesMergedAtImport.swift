/// The copies dedup at import merged (issue 19, `--dedup-at-import`): each range of compile units
/// merges its structurally equal nodes as it is read (`Dedup.canonicalizeRange`), and the graph
/// gets only the node each class of the range kept, its *representative*. What the copies were is
/// kept here, so that `--explain-pruned`, `--explain` and `--stats` still name every DIE as the
/// conversion without dedup at import does: a copy reads as a node merged into its
/// representative, with every decision a pass took on the representative (passes decide the same
/// on every copy of such a class: Tools/OrderAudit/FINDINGS.md).
///
/// One row per copy, grouped by representative in id order (the order `DWARFWalker.absorb` adds
/// them in). What a copy shares with its representative is not repeated: name, kind, size and
/// members are equal (that is what merged them); only its DIE and unit are its own, and, rarely,
/// its namespace path (anonymous pointers and prototypes merge whatever their path) and DWARF
/// tag, kept in a sparse side table.
///
/// Compact: the rows of each range are a segment of their own, allocated once at their size
/// (columns that grow as ranges come would hold their old and new buffers, and their slack, at
/// the import's peak), with the DIE offset in 4 bytes and the unit in 1, counted from the range's
/// first unit (`NarrowColumn`: wider values in a side table). Debian's vmlinux: 3.95 million copies
/// in 20 MB.
///
/// Node ids never change after the import (passes leave tombstones), so the representatives stay
/// valid through the passes.
///
/// Without origins (`DWARFImportOptions.keepsCopyOrigins` false, rustbtf when no report is asked
/// for): only how many copies each representative stands for, which is what the summary counts.
/// A copy's DIE, unit and path then read as unknown (0, none, its representative's).
public struct CopiesMergedAtImport: Sendable {
  /// The rows one range added.
  private struct Segment: Sendable {
    /// Index of its first copy.
    var start: Int
    /// Its units are counted from this one.
    var firstUnit: Int32
    /// DIE offsets (bit 62 set for a DIE of the dwz supplementary file, as `TypeGraph.dieOffsets`).
    var dieOffsets = NarrowColumn<UInt64, UInt32>()
    /// Units, as `unit - firstUnit + 1` (0: none).
    var units = NarrowColumn<UInt32, UInt8>()
  }

  private var segments: [Segment] = []
  /// The range being added (`beginRange` to `endRange`).
  private var open: Segment? = nil
  /// The representatives with copies, in increasing id order, and where each one's copies end.
  private var representatives: ContiguousArray<TypeID> = []
  private var ends: ContiguousArray<Int32> = []
  /// Copies whose namespace path or DWARF tag is not their representative's, in copy order.
  private var unlike: ContiguousArray<Int32> = []
  private var unlikeScopes: ContiguousArray<NameID> = []
  private var unlikeTags: ContiguousArray<UInt16> = []

  public init() {}

  /// Number of copies.
  public private(set) var count = 0
  public var isEmpty: Bool { count == 0 }
  /// Number of representatives with at least one copy.
  public var representativeCount: Int { representatives.count }

  /// The `k`th representative (in id order) and the range of its copies.
  public func group(_ k: Int) -> (representative: TypeID, copies: Range<Int>) {
    (representatives[k], (k == 0 ? 0 : Int(ends[k - 1]))..<Int(ends[k]))
  }

  /// The range of `representative`'s copies (empty for a node without).
  public func copies(of representative: TypeID) -> Range<Int> {
    let k = ELFSymbols.equalRange(representatives, representative)
    return k.isEmpty ? 0..<0 : group(k.lowerBound).copies
  }

  /// The segment holding copy `copy`.
  private func segment(_ copy: Int) -> Int {
    var lo = 0
    var hi = segments.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if segments[mid].start <= copy { lo = mid } else { hi = mid - 1 }
    }
    return lo
  }

  /// Whether each copy's DIE, unit and path were kept (see above).
  public private(set) var keepsOrigins = true

  /// The copy's DIE offset; 0 when origins were not kept.
  public func dieOffset(_ copy: Int) -> UInt64 {
    guard keepsOrigins else { return 0 }
    let s = segments[segment(copy)]
    return s.dieOffsets[copy - s.start]
  }

  /// The copy's unit; none when origins were not kept.
  public func unit(_ copy: Int) -> UnitID {
    guard keepsOrigins else { return .none }
    let s = segments[segment(copy)]
    let u = s.units[copy - s.start]
    return u == 0 ? .none : UnitID(rawValue: s.firstUnit + Int32(u) - 1)
  }

  /// The copy's namespace path and DWARF tag where they differ from its representative's (nil:
  /// the representative's, as imported).
  public func unlike(_ copy: Int) -> (scope: NameID, dwarfTag: UInt16)? {
    let k = ELFSymbols.equalRange(unlike, Int32(copy))
    return k.isEmpty ? nil : (unlikeScopes[k.lowerBound], unlikeTags[k.lowerBound])
  }

  /// Bytes the rows take (what the reports cost `--dedup-at-import`), side tables of the narrow
  /// columns' wide values left out.
  public var byteCount: Int {
    count * (MemoryLayout<UInt32>.size + MemoryLayout<UInt8>.size) + representatives.count * 8 + unlike.count * 10
  }

  // MARK: Building (`DWARFWalker.absorb`)

  /// Starts the rows of a range: `count` copies, of units from `firstUnit` on. They are built
  /// aside (`open`: appending into an element of `segments` cost a uniqueness check of the array
  /// and of the element per copy) and join the others at `endRange`.
  package mutating func beginRange(count: Int, firstUnit: UnitID) {
    precondition(open == nil, "a range of copies is open")
    var s = Segment(start: self.count, firstUnit: max(0, firstUnit.rawValue))
    s.dieOffsets.reserveCapacity(count)
    s.units.reserveCapacity(count)
    open = s
  }

  /// Ends the range `beginRange` started: its rows can be read.
  package mutating func endRange() {
    if let s = open { segments.append(s) }
    open = nil
  }

  /// Starts the copies of `representative`, which must be above every representative so far.
  package mutating func beginGroup(_ representative: TypeID) {
    precondition(representatives.last.map { $0 < representative } ?? true, "representatives out of order")
    representatives.append(representative)
    ends.append(Int32(count))
  }

  /// Adds `count` copies to the group begun last, without their origins: from then on no copy's
  /// origin is known (`keepsOrigins`).
  package mutating func appendWithoutOrigins(_ count: Int) {
    keepsOrigins = false
    self.count += count
    ends[ends.count - 1] = Int32(self.count)
  }

  /// Adds a copy of the group begun last; `scope` and `dwarfTag` are given when they are not the
  /// representative's.
  package mutating func append(dieOffset: UInt64, unit: UnitID, unlike: (scope: NameID, dwarfTag: UInt16)? = nil) {
    if let unlike {
      self.unlike.append(Int32(count))
      unlikeScopes.append(unlike.scope)
      unlikeTags.append(unlike.dwarfTag)
    }
    open!.dieOffsets.append(dieOffset)
    open!.units.append(unit == .none ? 0 : UInt32(unit.rawValue - open!.firstUnit + 1))
    count += 1
    ends[ends.count - 1] = Int32(count)
  }
}
