import Encode
import Foundation
import Testing
import Verify

@testable import Merge
@testable import TypeGraph

extension DWARFShapeTests {
  // MARK: Long chains of anonymous types (issue 22, item 2)

  /// Two units with the same chain of N anonymous pointers (or const qualifiers): dedup merges
  /// them into one chain, with work linear in the chain. A refinement in rounds of the whole
  /// graph peels one pointer off the chain per round (each differs from the next only by its
  /// distance from `int`): N rounds of N nodes, 55 s for two chains of 40,000 const. The bound
  /// is on the nodes the refinement groups (9 M for N = 3,000 in rounds), not on time.
  @Test(arguments: ["pointer-chain", "const-chain"])
  func dedupOfALongChainIsLinear(shape: String) throws {
    let n = 3000
    let path = try Self.shape(shape, n)
    var graph = try DWARFImporter.importFile(path: path)
    let kind: Kind = shape == "pointer-chain" ? .pointer : .const
    #expect(graph.ids.filter { graph.kind($0) == kind }.count == 2 * n)
    var dedup = Dedup()
    var context = PassContext()
    _ = try dedup.run(on: &graph, context: &context)
    #expect(graph.ids.filter { graph.kind($0) == kind }.count == n, "the two chains did not merge into one")
    // The rounds of the whole graph `refine` starts with, then a few nodes' worth of batches.
    let bound = (Dedup.defaultMaxRounds + 4) * graph.count
    #expect(dedup.signatures <= bound, "dedup grouped \(dedup.signatures) nodes for a graph of \(graph.count)")

    // The batches alone find the same classes.
    var batches = Dedup()
    batches.maxRounds = 0
    var again = try DWARFImporter.importFile(path: path)
    _ = try batches.run(on: &again, context: &context)
    #expect(ParallelImportTests.difference(graph, again) == nil)

    // The conversion keeps one chain, and the kernel takes it; a chain of pointers longer than
    // the kernel resolves (32) is refused in one line naming the kernel's reason.
    let out = path + ".btf"
    let run = try runCLI([path, "-o", out])
    if kind == .pointer {
      #expect(
        run.status == 1 && run.stderr.contains("Exceeded max resolving depth") && run.stderr.split(separator: "\n").count == 1,
        "\(run.stderr)")
      return
    }
    #expect(run.status == 0, "\(run.stderr)")
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: out)))
    let btf = try BTFDecoder.decode(bytes)
    #expect(btf.ids.filter { btf.kind($0) == kind }.count == n)
    if let failure = KernelCheck.acceptanceFailure(bytes) { Issue.record("\(shape): \(failure)") }
  }
}

extension DWARFShapeTests {
  /// Dedup's refinement in batches alone (no rounds first) merges what rounds merge, on every
  /// corpus object: the coarsest stable partition is unique, whatever the order of the work.
  @Test func dedupInBatchesMergesWhatRoundsMerge() throws {
    var merged = 0
    for name in try ImportTests.corpusObjects() {
      let imported = try DWARFImporter.importFile(path: ImportTests.object(name))
      var rounds = imported
      var batches = imported
      var context = PassContext()
      var a = Dedup()
      var b = Dedup()
      b.maxRounds = 0
      _ = try a.run(on: &rounds, context: &context)
      _ = try b.run(on: &batches, context: &context)
      merged += imported.liveCount - rounds.liveCount
      #expect(ParallelImportTests.difference(rounds, batches) == nil, "\(name): \(ParallelImportTests.difference(rounds, batches) ?? "")")
      #expect(rounds.encodingSequence() == batches.encodingSequence(), "\(name): another order")
    }
    #expect(merged > 1000, "only \(merged) nodes merged over the corpus")
  }
}
