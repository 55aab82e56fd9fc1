/// The DIE offsets of the walk's index of type DIEs (`DWARFWalker.indexOffsets`), in 32 bits
/// while every offset fits, in 64 from the first that does not (a `.debug_info` past 4 GiB, or
/// a dwz supplementary file's DIEs, which the importer marks with bit 62).
///
/// The index holds every type DIE until the walk's references are resolved (`resolve()`):
/// 4.4 million on Debian's vmlinux, where 32-bit offsets save 17 MB at the import's peak. Unlike
/// `NarrowColumn`, the column does not keep exceptions aside: a supplementary file's offsets are
/// all wide, and there can be millions.
struct DIEOffsetColumn {
  private var narrow: ContiguousArray<UInt32> = []
  /// Every offset, once one did not fit 32 bits (`narrow` is then empty).
  private var wide: ContiguousArray<UInt64>? = nil

  var count: Int { wide?.count ?? narrow.count }
  var isEmpty: Bool { count == 0 }
  var last: UInt64? { count == 0 ? nil : self[count - 1] }
  var first: UInt64? { count == 0 ? nil : self[0] }

  @inline(__always) subscript(i: Int) -> UInt64 {
    if let wide { return wide[i] }
    return UInt64(narrow[i])
  }

  @inline(__always) mutating func append(_ offset: UInt64) {
    if wide == nil {
      if offset <= UInt64(UInt32.max) {
        narrow.append(UInt32(truncatingIfNeeded: offset))
        return
      }
      widen()
    }
    wide!.append(offset)
  }

  mutating func append(contentsOf other: DIEOffsetColumn) {
    if wide == nil && other.wide == nil {
      narrow.append(contentsOf: other.narrow)
      return
    }
    if wide == nil { widen() }
    if let o = other.wide {
      wide!.append(contentsOf: o)
    } else {
      for v in other.narrow { wide!.append(UInt64(v)) }
    }
  }

  mutating func reserveCapacity(_ n: Int) {
    if wide == nil { narrow.reserveCapacity(n) } else { wide!.reserveCapacity(n) }
  }

  /// The offsets in the order of `permutation` (indices into this column).
  func reordered(_ permutation: [Int]) -> DIEOffsetColumn {
    var out = DIEOffsetColumn()
    if let wide {
      out.wide = ContiguousArray(permutation.map { wide[$0] })
    } else {
      out.narrow = ContiguousArray(permutation.map { narrow[$0] })
    }
    return out
  }

  /// The index in `lo..<hi` of `offset`, which the column holds sorted there, or -1.
  @inline(__always) func firstIndex(of offset: UInt64, in lo: Int, _ hi: Int) -> Int {
    guard lo < hi else { return -1 }
    if let wide { return wide.withUnsafeBufferPointer { Self.search($0, offset, lo, hi) } }
    guard offset <= UInt64(UInt32.max) else { return -1 }
    return narrow.withUnsafeBufferPointer { Self.search($0, UInt32(truncatingIfNeeded: offset), lo, hi) }
  }

  /// Branch-free lower search (the comparisons are unpredictable; cmov beats branches).
  @inline(__always)
  private static func search<T: FixedWidthInteger>(_ offsets: UnsafeBufferPointer<T>, _ offset: T, _ lo: Int, _ hi: Int) -> Int {
    var base = lo
    var n = hi - lo
    while n > 1 {
      let half = n >> 1
      base = offsets[base + half] <= offset ? base + half : base
      n -= half
    }
    return offsets[base] == offset ? base : -1
  }

  private mutating func widen() {
    wide = ContiguousArray(narrow.lazy.map { UInt64($0) })
    narrow = []
  }
}
