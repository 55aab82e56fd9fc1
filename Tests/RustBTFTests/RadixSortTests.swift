import Testing

@testable import TypeGraph

/// `stableRadixSorted`, the ELF symbol table's sorts: the order of a stable comparison sort, for
/// keys that vary in few bits (kernel addresses), in all 64, or not at all.
@Suite struct RadixSortTests {
  /// A stable comparison sort's order: by key, then by position.
  private func reference(_ keys: [UInt64]) -> [Int] {
    keys.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
  }

  private func radix(_ keys: [UInt64]) -> [Int] {
    Array(stableRadixSorted(ContiguousArray(keys.indices)) { keys[$0] })
  }

  @Test func ordersAsAStableComparisonSort() {
    var rng = SystemRandomNumberGenerator()
    let shapes: [(String, () -> UInt64)] = [
      // Kernel text: the top bits shared, the rest varying, many duplicates (aliases).
      ("addresses", { 0xffff_ffff_8100_0000 &+ UInt64.random(in: 0..<(1 << 20), using: &rng) * 16 }),
      ("name ids", { UInt64.random(in: 0..<3_000, using: &rng) }),
      ("all 64 bits", { UInt64.random(in: 0...UInt64.max, using: &rng) }),
      ("high bits only", { UInt64.random(in: 0..<8, using: &rng) << 61 }),
    ]
    for (shape, next) in shapes {
      for count in [0, 1, 2, 3, 100, 5_000] {
        let keys = (0..<count).map { _ in next() }
        let same = radix(keys) == reference(keys) // compared outside #expect, which would print both
        #expect(same, "\(shape), \(count) keys")
      }
    }
  }

  @Test func equalKeysKeepTheirOrder() {
    let keys = [UInt64](repeating: 0xffff_ffff_8123_4560, count: 50)
    #expect(radix(keys) == Array(0..<50))
  }

  /// Sorting by a second key after a first orders by (second, first): how `finishFunctions`
  /// orders the symbols by address, then name, then table position.
  @Test func successiveSortsOrderByTheLastKeyFirst() {
    let names: [UInt64] = [5, 3, 5, 1, 3, 3, 9, 1]
    let addresses: [UInt64] = [0x20, 0x10, 0x10, 0x20, 0x10, 0x30, 0x10, 0x20]
    let byName = stableRadixSorted(ContiguousArray(names.indices)) { names[$0] }
    let got = Array(stableRadixSorted(byName) { addresses[$0] })
    let want = names.indices.sorted { (addresses[$0], names[$0], $0) < (addresses[$1], names[$1], $1) }
    #expect(got == want)
  }
}
