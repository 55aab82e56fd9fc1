import Testing

@testable import TypeGraph

/// `NarrowColumn`, the storage of member values, member bits and DIE offsets: a value too wide
/// for the narrow slot lives in the side table, and every operation the graph uses reads back
/// exactly what was written.
@Suite struct NarrowColumnTests {
  @Test func everyValueReadsBackAsWritten() {
    var c = NarrowColumn<UInt64, UInt32>()
    let values: [UInt64] = [0, 1, 0xffff_fffe, 0xffff_ffff, 0x1_0000_0000, .max, UInt64(bitPattern: -1), 42]
    for v in values { c.append(v) }
    #expect(Array(c) == values)
    // Narrow over wide, wide over narrow, wide over wide.
    c[3] = 7
    c[0] = .max
    c[4] = 0x2_0000_0000
    #expect(Array(c) == [.max, 1, 0xffff_fffe, 7, 0x2_0000_0000, .max, UInt64(bitPattern: -1), 42])
    #expect(c.wide.count == 4, "a slot written narrow leaves the side table")
  }

  @Test func appendingAColumnShiftsItsWideValues() {
    var a = NarrowColumn<UInt32, UInt16>()
    a.append(1)
    a.append(70_000)
    var b = NarrowColumn<UInt32, UInt16>()
    for v: UInt32 in [9, 80_000, 3, 0xffff] { b.append(v) }
    a.append(contentsOf: b, from: 1)
    #expect(Array(a) == [1, 70_000, 80_000, 3, 0xffff])
    var expected = NarrowColumn<UInt32, UInt16>()
    for v: UInt32 in [1, 70_000, 80_000, 3, 0xffff] { expected.append(v) }
    #expect(a == expected)
    a.append(0)
    a.append(0)
    #expect(a.count == 7 && a[6] == 0 && a != expected)
  }

  /// `valuesEqual` (dedup's comparison of two nodes' members) against comparing value by value:
  /// narrow and wide values, equal runs, runs that differ only in a wide value, only in a
  /// narrow one, and a wide value against a narrow one.
  @Test func rangesCompareAsTheirValues() {
    let values: [UInt64] = [
      1, 0x1_0000_0000, 5, 1, 0x1_0000_0000, 5, 1, 0x1_0000_0001, 5, 1, 0x1_0000_0000, 6, 1, 0xffff_fffe, 5, 0xffff_ffff, 0xffff_ffff,
    ]
    var c = NarrowColumn<UInt64, UInt32>()
    for v in values { c.append(v) }
    for n in 0...3 {
      for a in 0...(values.count - n) {
        for b in 0...(values.count - n) {
          let expected = values[a..<a + n] == values[b..<b + n]
          #expect(c.valuesEqual(a..<a + n, b) == expected, "\(a)..<\(a + n) against \(b)")
        }
      }
    }
    var narrowOnly = NarrowColumn<UInt32, UInt16>()
    for v: UInt32 in [3, 4, 3, 4, 3, 5] { narrowOnly.append(v) }
    #expect(narrowOnly.valuesEqual(0..<2, 2) && !narrowOnly.valuesEqual(0..<2, 4))
    #expect(NarrowColumn<UInt32, UInt16>().valuesEqual(0..<0, 0), "an empty column, an empty range")
  }
}
