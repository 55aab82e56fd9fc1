/// A column whose values nearly all fit in a narrower integer: each is stored in
/// `Narrow`, and the few that do not in a side table by index. A slot holding `Narrow.max`
/// says the value is in `wide`.
///
/// Debian's vmlinux imports 16.8 million members. Member values (`TypeGraph.memberValues`:
/// bit offsets, enumerators, DATASEC offsets, discriminants) are 64-bit but nearly all fit in
/// 32 bits; the exceptions are negative enumerators (kept sign-extended), 64-bit enumerators
/// and wide discriminants. Member bits (`TypeGraph.memberBits`: bitfield sizes, DATASEC entry
/// sizes, variant flags) are 32-bit but nearly all fit in 16. DIE offsets
/// (`TypeGraph.dieOffsets`, 4.4 million on Debian) are below 4 GiB but in a dwz supplementary
/// file, which the importer marks with the top bit. Stored narrow, the three columns take
/// 78 MB less on Debian's vmlinux, at the import's peak and after.
@usableFromInline
package struct NarrowColumn<Wide: FixedWidthInteger & UnsignedInteger & Sendable, Narrow: FixedWidthInteger & UnsignedInteger & Sendable>:
  RandomAccessCollection, MutableCollection, Equatable, Sendable
{
  @usableFromInline var narrow: ContiguousArray<Narrow> = []
  @usableFromInline var wide: [Int: Wide] = [:]

  @usableFromInline package init() {}

  @usableFromInline package init(repeating value: Wide, count: Int) {
    for _ in 0..<count { append(value) }
  }

  @inlinable package var startIndex: Int { 0 }
  @inlinable package var endIndex: Int { narrow.count }

  @inlinable package subscript(i: Int) -> Wide {
    get {
      let v = narrow[i]
      return v != Narrow.max ? Wide(v) : wide[i]!
    }
    set {
      if newValue < Wide(Narrow.max) {
        if narrow[i] == Narrow.max { wide[i] = nil }
        narrow[i] = Narrow(newValue)
      } else {
        narrow[i] = Narrow.max
        wide[i] = newValue
      }
    }
  }

  @inlinable package mutating func append(_ v: Wide) {
    if v < Wide(Narrow.max) {
      narrow.append(Narrow(v))
    } else {
      wide[narrow.count] = v
      narrow.append(Narrow.max)
    }
  }

  @usableFromInline package mutating func append(contentsOf values: some Sequence<Wide>) {
    for v in values { append(v) }
  }

  /// The values of `other` from index `first` on (the parallel import's absorb).
  @usableFromInline package mutating func append(contentsOf other: Self, from first: Int) {
    let shift = narrow.count - first
    narrow.append(contentsOf: other.narrow[first...])
    for (i, v) in other.wide where i >= first { wide[i + shift] = v }
  }

  @usableFromInline package mutating func reserveCapacity(_ n: Int) { narrow.reserveCapacity(n) }

  /// Whether the values at `a` and at `b…` (as many) are equal: the narrow slots
  /// compared as bytes, then the wide values of the slots that hold them (dedup compares the
  /// members of every copy it merges this way).
  package func valuesEqual(_ a: Range<Int>, _ b: Int) -> Bool {
    if a.isEmpty { return true }
    return narrow.withUnsafeBufferPointer { all in
      let width = MemoryLayout<Narrow>.stride
      let base = UnsafeRawPointer(all.baseAddress!)
      guard bytesEqual(base + a.lowerBound * width, base + b * width, a.count * width) else { return false }
      if wide.isEmpty { return true }
      for k in 0..<a.count where all[a.lowerBound + k] == Narrow.max && wide[a.lowerBound + k] != wide[b + k] { return false }
      return true
    }
  }

  @usableFromInline package static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }
}
