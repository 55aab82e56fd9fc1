import Foundation
import Prune
import Testing
import TypeGraph

/// Work after the import spread over threads (`inParallelChunks`, `PassContext.threads`) and the
/// absorbing thread's batched string lookups (`StringTable.internAll`): the results must be
/// those of one thread, item for item.
@Suite struct ParallelPassTests {
  /// Every item in exactly one chunk, the chunks' results in order, for counts below, at and
  /// above the threads' minimum.
  @Test func chunksCoverTheItemsInOrder() {
    for count in [0, 1, 2, 7, 100, 5000] {
      for threads in [1, 2, 3, 8] {
        for minimum in [1, 3, 1000] {
          let chunks = inParallelChunks(count: count, threads: threads, minimumPerThread: minimum) { Array($0) }
          #expect(chunks.flatMap { $0 } == Array(0..<count), "count \(count), threads \(threads), minimum \(minimum)")
          let shared = threads > 1 && count >= 2 * minimum
          #expect(shared == (chunks.count > 1), "count \(count), threads \(threads), minimum \(minimum): \(chunks.count) chunks")
        }
      }
    }
  }

  /// A chunk that runs on a thread of its own sees the values it was given (no chunk's result is
  /// another's), with chunks of uneven cost.
  @Test func chunksOfUnevenCostKeepTheirResults() {
    let sums = inParallelChunks(count: 10_000, threads: 4, minimumPerThread: 10) { range -> Int in
      // The later items cost more, as select-symbols' keys do.
      range.reduce(0) { acc, i in acc &+ (0...(i % 97)).reduce(i, &+) }
    }
    let serial = (0..<10_000).reduce(0) { acc, i in acc &+ (0...(i % 97)).reduce(i, &+) }
    #expect(sums.reduce(0, &+) == serial)
    #expect(sums.count == 32)
  }

  /// `internAll` gives the ids and leaves the table that interning the other table's strings one
  /// by one does: strings found, strings new (thousands: the table grows while a batch is in
  /// flight), a string whose first slot another string holds.
  @Test func internAllMatchesInterningOneByOne() {
    var here = StringTable()
    for i in 0..<3000 where i % 3 == 0 { _ = here.intern("member_\(i)") }
    var there = StringTable()
    var order: [String] = []
    for i in 0..<6000 {
      let s = i % 2 == 0 ? "member_\(i / 2)" : "type_\(i)_\(String(repeating: "x", count: i % 40))"
      if there.lookup(s) == nil {
        _ = there.intern(s)
        order.append(s)
      }
    }
    for first in [1, 2, 1500] {
      var batched = here
      let ids = batched.internAll(of: there, from: first)
      var oneByOne = here
      let expected = order[(first - 1)...].map { oneByOne.intern($0) }
      #expect(Array(ids) == expected, "from \(first)")
      #expect(batched.count == oneByOne.count)
      #expect(
        (0..<batched.count).allSatisfy { batched.string(NameID(rawValue: Int32($0))) == oneByOne.string(NameID(rawValue: Int32($0))) })
    }
  }

  /// select-symbols decides each function name's states on several threads and applies the
  /// decisions in order: the graph and its decision log are those of one thread, on the corpus
  /// objects with the most functions (GCC and rustc, clones and inlined copies).
  @Test(arguments: ["mixed-O0.elf", "rust_nostd-O0.elf", "bindings-O0.elf", "c_abi-O2.elf"])
  func selectSymbolsDecidesAlikeOnAnyThreadCount(_ file: String) throws {
    let imported = try DWARFImporter.importFile(path: SymbolSelectionTests.objects + file)
    let functions = imported.ids.filter { imported.kind($0) == .function }.count
    try #require(functions >= 3, "\(file): too few functions to share")
    func selected(threads: Int) throws -> TypeGraph {
      var g = imported
      var pass = SelectSymbols()
      pass.keysPerThread = 1
      var context = PassContext()
      context.threads = threads
      _ = try pass.run(on: &g, context: &context)
      return g
    }
    let one = try selected(threads: 1)
    let pruned = one.decisions.entries.filter { $0.pass == SelectSymbols.name }.count
    #expect(pruned > 0, "\(file): select-symbols removed nothing, so the comparison shows little")
    for threads in [2, 3, 8] {
      let many = try selected(threads: threads)
      // Compared here, not in #expect: a failure would print both logs (thousands of entries).
      let (a, b) = (many.decisions.entries, one.decisions.entries)
      let difference = a.indices.first { $0 >= b.count || a[$0] != b[$0] } ?? (a.count == b.count ? nil : a.count)
      #expect(difference == nil, "\(file), \(threads) threads: the decision logs differ from entry \(difference ?? 0)")
      let sameGraph = many.dump() == one.dump()
      #expect(sameGraph, "\(file), \(threads) threads: the graphs differ")
    }
  }
}
