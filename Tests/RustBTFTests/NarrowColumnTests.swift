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
    a.appendZeros(2)
    #expect(a.count == 7 && a[6] == 0 && a != expected)
  }
}
